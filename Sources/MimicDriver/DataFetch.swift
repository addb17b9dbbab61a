import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MimicData

/// `mimicc data fetch cifar10|cifar100`: downloads the official binary archive, checks it
/// against the MD5 its publisher lists, and installs it as `data import` does. The download
/// goes to a `.part` file beside the target and is removed if anything fails, so nothing
/// half-written is ever taken for the data set.
public enum DataFetch {
    /// The archive and its MD5 from https://www.cs.toronto.edu/~kriz/cifar.html ("binary version").
    public static let sources = [
        "cifar10": (url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530"),
        "cifar100": (url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", md5: "03b5dce01913d631647c71ecec9e9cb8"),
    ]

    /// `url` and `md5` nil: the publisher's. Returns where the data went and its display name.
    public static func fetch(_ name: String, url: String?, md5: String?, into root: String?,
                             progress: @escaping (String) -> Void) throws -> (target: String, name: String) {
        let cifar = try DataImport.layout(name)
        guard let published = sources[name] else { throw DataError("unknown data set '\(name)'") }
        let url = url ?? published.url, md5 = md5 ?? published.md5
        let root = DataSource.root(root)
        guard let source = URL(string: url), ["https", "http", "file"].contains(source.scheme ?? "") else {
            throw DataError("'\(url)' is not an http(s) or file URL")
        }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let archive = root + "/" + cifar.archive + ".part"
        defer { try? FileManager.default.removeItem(atPath: archive) }
        try download(source, to: archive, progress: progress)
        let digest = try fileMD5(archive)
        guard digest == md5.lowercased() else {
            throw DataError("the download from \(url) is corrupt: its MD5 is \(digest), expected \(md5.lowercased())",
                            hint: "try again; if it persists, the file at that address has changed")
        }
        progress("MD5 \(digest) matches; unpacking and checking every file")
        return (try DataImport.importCIFAR(cifar, from: archive, into: root), cifar.name)
    }

    static func download(_ source: URL, to path: String, progress: @escaping (String) -> Void) throws {
        if source.isFileURL {
            // URLSession's file support differs between platforms; a local copy is enough.
            guard FileManager.default.fileExists(atPath: source.path) else { throw DataError("'\(source.path)' does not exist") }
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: source.path, toPath: path)
            return
        }
        let delegate = DownloadDelegate(destination: URL(fileURLWithPath: path), progress: progress)
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        progress("downloading \(source.absoluteString)")
        session.downloadTask(with: source).resume()
        delegate.done.wait()
        if let error = delegate.error { throw error }
    }

    static func fileMD5(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError("cannot read '\(path)'") }
        defer { try? handle.close() }
        var md5 = MD5()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { md5.update($0) }
        }
        return md5.finalize()
    }
}

/// Moves the finished download into place and reports progress about once a second.
private final class DownloadDelegate: NSObject, URLSessionDownloadDelegate, @unchecked Sendable {
    let destination: URL
    let progress: (String) -> Void
    let done = DispatchSemaphore(value: 0)
    var error: Error?
    private var lastReport = Date.distantPast

    init(destination: URL, progress: @escaping (String) -> Void) {
        self.destination = destination
        self.progress = progress
    }

    func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didFinishDownloadingTo location: URL) {
        if let response = downloadTask.response as? HTTPURLResponse, !(200..<300).contains(response.statusCode) {
            error = DataError("the server answered HTTP \(response.statusCode) for \(downloadTask.originalRequest?.url?.absoluteString ?? "the download")")
            return
        }
        do {
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.moveItem(at: location, to: destination)
        } catch {
            self.error = DataError("cannot save the download to '\(destination.path)': \(error.localizedDescription)")
        }
    }

    func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didWriteData bytesWritten: Int64,
                    totalBytesWritten: Int64, totalBytesExpectedToWrite: Int64) {
        guard Date().timeIntervalSince(lastReport) >= 1 else { return }
        lastReport = Date()
        let mib = Double(totalBytesWritten) / 1_048_576
        if totalBytesExpectedToWrite > 0 {
            progress(String(format: "  %.1f of %.1f MiB", mib, Double(totalBytesExpectedToWrite) / 1_048_576))
        } else {
            progress(String(format: "  %.1f MiB", mib))
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error, self.error == nil {
            self.error = DataError("cannot download \(task.originalRequest?.url?.absoluteString ?? "the archive"): \(error.localizedDescription)",
                                   hint: "check the network, or download the archive elsewhere and use 'mimicc data import'")
        }
        done.signal()
    }
}
