import Foundation
import MimicBasics
import MimicData

/// Writes report files, each atomically, so a reader never sees half a report file.
public enum StudyOutput {
    public static func write(_ files: [String: String], into directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            try AtomicFile.write(Data(text.utf8), to: directory + "/" + name)
        }
    }
}
