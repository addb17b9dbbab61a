import Foundation
import MimicBasics
import MimicData

/// `mimicc data import mnist|fashion-mnist --from DIR`: converts the four IDX files (gzipped
/// or not) into .npy files a spec reads with `dataset: npy`, in data root/<name>/, beside a
/// `data.yaml` that names them (paths relative to it), so a spec only has to extend it.
enum IDXImport {
    static let files = [("train", "train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                        ("test", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]

    static func run(_ name: String, from source: String, into root: String?) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError("'\(source)' is not a directory", hint: "give the directory holding train-images-idx3-ubyte.gz and the other three files")
        }
        // Every file is read and checked before anything is written.
        var splits: [(split: String, images: [UInt8], shape: [Int], labels: [UInt8])] = []
        for (split, imageFile, labelFile) in files {
            let images = try IDXFile.parse(read(source, imageFile), path: imageFile)
            let labels = try IDXFile.parse(read(source, labelFile), path: labelFile)
            guard images.shape.count == 3, labels.shape.count == 1 else {
                throw DataError("'\(imageFile)' must hold [N, H, W] images and '\(labelFile)' [N] labels; they hold \(images.shape) and \(labels.shape)")
            }
            guard images.shape[0] == labels.shape[0] else {
                throw DataError("'\(labelFile)' holds \(labels.shape[0]) labels for the \(images.shape[0]) images of '\(imageFile)'")
            }
            splits.append((split, Array(images.data), images.shape, Array(labels.data)))
        }
        let target = DataSource.root(root) + "/" + name
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for s in splits {
            try NumpyArray.write(s.images, descr: "|u1", shape: s.shape, to: target + "/\(s.split)-images.npy")
            try NumpyArray.write(s.labels, descr: "|u1", shape: [s.labels.count], to: target + "/\(s.split)-labels.npy")
        }
        let validation = min(10_000, splits[0].labels.count / 6)
        try AtomicFile.write(Data("""
            # Written by 'mimicc data import \(name)'. A spec extends this file for its data:
            #   extends: \(target)/data.yaml
            # The paths below are relative to this file. Input [1, \(splits[0].shape[1]), \(splits[0].shape[2])] and \
            \(Int(splits[0].labels.max() ?? 0) + 1) classes come from the files.
            mimicc: 1
            abstract: true
            data:
              dataset: npy
              validation: \(validation)
              files:
                train: {images: train-images.npy, labels: train-labels.npy}
                test: {images: test-images.npy, labels: test-labels.npy}

            """.utf8), to: target + "/data.yaml")
        return target
    }

    /// A file's bytes, from `stem` or `stem.gz` (unpacked with gzip).
    static func read(_ directory: String, _ stem: String) throws -> [UInt8] {
        let plain = directory + "/" + stem, packed = plain + ".gz"
        if let data = FileManager.default.contents(atPath: plain) { return [UInt8](data) }
        guard FileManager.default.fileExists(atPath: packed) else {
            throw DataError("neither '\(plain)' nor '\(packed)' exists", hint: "the directory must hold the four IDX files of the data set")
        }
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-dc", packed]
        let output = Pipe()
        gzip.standardOutput = output
        gzip.standardError = FileHandle.nullDevice
        try gzip.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        guard gzip.terminationStatus == 0 else {
            throw DataError("cannot unpack '\(packed)' (gzip exited with \(gzip.terminationStatus))", hint: "the file is damaged; download it again")
        }
        return [UInt8](data)
    }
}
