import Foundation
import MimicBasics
import MimicData

/// `mimicc data import cifar10|cifar100 --from FILE_OR_DIR`: installs the binary files where
/// runs look for them (data root/cifar-10-batches-bin or cifar-100-binary), from the official
/// archive or an unpacked directory, checking every file before it is used. `mnist` and
/// `fashion-mnist` convert IDX files to .npy (`IDXImport`).
public enum DataImport {
    /// The data sets `data fetch` knows, by the name a spec gives them.
    public static let datasets = ["cifar10", "cifar100"]
    /// The data sets `data import` knows: those, and the IDX sets it converts to .npy.
    public static let importable = datasets + ["mnist", "fashion-mnist"]

    /// The layout of a data set named as in `datasets`.
    static func layout(_ name: String) throws -> CIFARBinary {
        switch name {
        case "cifar10": return .cifar10
        case "cifar100": return .cifar100(.fine)
        default: throw DataError("unknown data set '\(name)'; mimicc imports \(datasets.joined(separator: " and "))")
        }
    }

    /// Imports the data set `name` (see `datasets`) and returns where it went, with its
    /// display name. `root` nil: the default data root (`DataSource.root`).
    public static func importDataset(_ name: String, from source: String, into root: String?) throws -> (target: String, name: String) {
        if name == "mnist" || name == "fashion-mnist" {
            return (try IDXImport.run(name, from: source, into: root), name == "mnist" ? "MNIST" : "Fashion-MNIST")
        }
        let cifar = try layout(name)
        return (try importCIFAR(cifar, from: source, into: root), cifar.name)
    }

    static func importCIFAR(_ cifar: CIFARBinary, from source: String, into root: String?) throws -> String {
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
                                hint: "give the official \(cifar.archive) or an unpacked directory")
            }
            directory = temporary
        }
        defer { if let unpacked { try? FileManager.default.removeItem(atPath: unpacked) } }
        if !FileManager.default.fileExists(atPath: directory + "/" + cifar.testFile) {
            directory += "/" + cifar.directoryName
        }
        // Reading checks the sizes and labels of every file.
        _ = try cifar.loadAll(directory: directory)
        let target = root + "/" + cifar.directoryName
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for file in cifar.trainFiles + [cifar.testFile] {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else {
                throw DataError("cannot read '\(directory)/\(file)'")
            }
            try AtomicFile.write(data, to: target + "/" + file)
        }
        return target
    }
}
