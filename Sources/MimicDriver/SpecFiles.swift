/// MimicDriver is the pipeline as a library: it finds spec files, runs the stages over
/// them and renders the results. The `mimicc` executable only parses arguments.

import Foundation

/// Expands the paths a user names into spec files: files as given, directories searched
/// recursively for `*.yaml` and `*.yml`, each directory's files sorted by path.
public enum SpecFiles {
    public struct Missing: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot read '\(path)': \(reason)" }
    }

    public static func expand(_ paths: [String]) -> (files: [String], missing: [Missing]) {
        var files: [String] = []
        var missing: [Missing] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(Missing(path: path, reason: "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            guard let enumerator = manager.enumerator(atPath: path) else {
                missing.append(Missing(path: path, reason: "cannot list directory"))
                continue
            }
            var found: [String] = []
            while let relative = enumerator.nextObject() as? String {
                if relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") {
                    found.append(path.hasSuffix("/") ? path + relative : path + "/" + relative)
                }
            }
            if found.isEmpty {
                missing.append(Missing(path: path, reason: "no spec files (*.yaml, *.yml) in this directory"))
            }
            files += found.sorted()
        }
        return (files, missing)
    }
}
