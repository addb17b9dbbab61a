import Foundation

/// The progress line on a terminal: a bar, the mean loss so far, the speed and the time the
/// epoch has left, redrawn in place on standard error.
extension Trainer {
    func progress(epoch: Int, step: Int, of total: Int, loss: Double, since start: Date) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(step * train.batch) / max(elapsed, 1e-9)
        let left = Double(total - step) * elapsed / Double(step)
        let width = 24, filled = width * step / total
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let text = String(format: "\r\u{1B}[Kepoch %d/%d [%@] %3d%%  loss %.4f  %.0f img/s  epoch ETA %.0fs",
                          epoch, train.epochs, bar, 100 * step / total, loss, rate, left)
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Erases the progress line before the epoch's summary is logged.
    func clearProgress() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
}
