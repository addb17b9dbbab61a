import Foundation
import MimicBasics
import MimicData

/// `mimicc data import cifar10 --from FILE_OR_DIR`: installs CIFAR-10's binary files where
/// runs look for them (data root/cifar-10-batches-bin), from the official
/// cifar-10-binary.tar.gz or an unpacked directory, checking every file before it is used.
public enum DataImport {
    /// `root` nil: the default data root (`DataSource.root`).
    public static func importCIFAR10(from source: String, into root: String?) throws -> String {
        let root = DataSource.root(root)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw DataError("'\(source)' does not exist")
        }
        var directory = source
        var unpacked: String?
        if !isDirectory.boolValue {
            let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-import-\(getpid())").path
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
            unpacked = temporary
            let tar = Process()
            tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            tar.arguments = ["tar", "-xzf", source, "-C", temporary]
            try tar.run()
            tar.waitUntilExit()
            guard tar.terminationStatus == 0 else {
                try? FileManager.default.removeItem(atPath: temporary)
                throw DataError("cannot unpack '\(source)' (tar exited with \(tar.terminationStatus))",
                                hint: "give the official cifar-10-binary.tar.gz or an unpacked directory")
            }
            directory = temporary
        }
        defer { if let unpacked { try? FileManager.default.removeItem(atPath: unpacked) } }
        if !FileManager.default.fileExists(atPath: directory + "/" + CIFAR10.testFile) {
            directory += "/" + CIFAR10.directoryName
        }
        // Reading checks sizes and labels of all six files.
        _ = try CIFAR10.load(directory: directory, train: 40_000, validation: 10_000)
        let target = root + "/" + CIFAR10.directoryName
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for file in CIFAR10.trainFiles + [CIFAR10.testFile] {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else {
                throw DataError("cannot read '\(directory)/\(file)'")
            }
            try AtomicFile.write(data, to: target + "/" + file)
        }
        return target
    }
}
