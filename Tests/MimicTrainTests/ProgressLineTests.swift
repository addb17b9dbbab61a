@testable import MimicTrain
import XCTest

/// The progress line fits the terminal, so redrawing it in place never wraps.
final class ProgressLineTests: XCTestCase {
    func line(_ columns: Int) -> String {
        Trainer.progressLine(epoch: 12, of: 160, step: 150, of: 312, loss: 10.123456, imagesPerSecond: 1234.5,
                             secondsLeft: 42, columns: columns)
    }

    func testTheLineFitsEveryWidth() {
        for columns in [1, 10, 20, 40, 60, 80, 100, 200] {
            XCTAssertLessThanOrEqual(line(columns).count, max(columns - 1, 1), "\(columns): \(line(columns))")
        }
        XCTAssertEqual(line(200), "epoch 12/160 [===========             ]  48%  loss 10.1235  1234 img/s  epoch ETA 42s")
        XCTAssertTrue(line(80).contains("img/s"), line(80))
        XCTAssertTrue(line(60).hasPrefix("epoch 12/160 ["), "a narrower bar first: \(line(60))")
        XCTAssertFalse(line(60).contains("img/s"), "then the speed goes: \(line(60))")
        XCTAssertEqual(line(40), "epoch 12/160  48%  loss 10.1235")
        XCTAssertEqual(line(20), "epoch 12/160  48%  ", "cut to 19 characters")
    }
}
