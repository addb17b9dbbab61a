import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The progress line on a terminal: a bar, the mean loss so far, the speed and the time the
/// epoch has left, redrawn in place on standard error and fitted to the terminal's width
/// (a line that wraps cannot be redrawn: a narrow terminal would pile up stale lines).
extension Trainer {
    /// `resumedAt`: the step this process started the epoch from (the speed and time left
    /// count only the steps it took).
    func progress(epoch: Int, step: Int, of total: Int, loss: Double, since start: Date, resumedAt first: Int = 0) {
        let elapsed = Date().timeIntervalSince(start), taken = max(step - first, 1)
        let rate = Double(taken * train.batch) / max(elapsed, 1e-9)
        let left = Double(total - step) * elapsed / Double(taken)
        let line = Self.progressLine(epoch: epoch, of: train.epochs, step: step, of: total, loss: loss, imagesPerSecond: rate,
                                     secondsLeft: left, columns: Self.terminalColumns())
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    /// Erases the progress line before the epoch's summary is logged.
    func clearProgress() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }

    /// The line for a terminal of `columns` columns, at most `columns - 1` characters (the
    /// last column would wrap on some terminals): the bar narrows first, then the speed and
    /// time left go, then the line is cut.
    static func progressLine(epoch: Int, of epochs: Int, step: Int, of total: Int, loss: Double, imagesPerSecond: Double,
                             secondsLeft: Double, columns: Int) -> String {
        let room = max(columns - 1, 1)
        let head = "epoch \(epoch)/\(epochs)"
        let percent = String(format: "%3d%%", 100 * step / max(total, 1))
        let lossText = String(format: "loss %.4f", loss)
        let tail = String(format: "  %.0f img/s  epoch ETA %.0fs", imagesPerSecond, secondsLeft)
        func bar(_ width: Int) -> String {
            let filled = width * step / max(total, 1)
            return " [" + String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled) + "]"
        }
        for withTail in [true, false] {
            let fixed = head + " " + percent + "  " + lossText + (withTail ? tail : "")
            let barWidth = min(24, room - fixed.count - 3)
            if barWidth >= 8 {
                return head + bar(barWidth) + " " + percent + "  " + lossText + (withTail ? tail : "")
            }
            if fixed.count <= room, !withTail { return fixed }
        }
        return String((head + " " + percent + "  " + lossText).prefix(room))
    }

    /// The width of the terminal on standard error (`COLUMNS` when the terminal cannot say),
    /// 80 when neither knows.
    static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) } ?? 80
    }
}
