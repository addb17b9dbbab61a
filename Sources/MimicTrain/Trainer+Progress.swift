import Foundation

/// The progress line on a terminal: a bar, the mean loss so far, the speed and the time the
/// epoch has left, redrawn in place on standard error.
extension Trainer {
    /// `resumedAt`: the step this process started the epoch from (the speed and time left
    /// count only the steps it took).
    func progress(epoch: Int, step: Int, of total: Int, loss: Double, since start: Date, resumedAt first: Int = 0) {
        let elapsed = Date().timeIntervalSince(start), taken = max(step - first, 1)
        let rate = Double(taken * train.batch) / max(elapsed, 1e-9)
        let left = Double(total - step) * elapsed / Double(taken)
        let width = 24, filled = width * step / total
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let text = String(format: "\r\u{1B}[Kepoch %d/%d [%@] %3d%%  loss %.4f  %.0f img/s  epoch ETA %.0fs",
                          epoch, train.epochs, bar, 100 * step / total, loss, rate, left)
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Erases the progress line before the epoch's summary is logged.
    func clearProgress() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
}
