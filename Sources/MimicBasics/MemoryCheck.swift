import Foundation

/// Refuses work whose memory the machine does not have, before anything is allocated: a
/// spec that lints can still ask for 10^9 filters, a batch of 10^6 images or a data set of
/// 10^9 synthetic images, and the kernel's out-of-memory killer would otherwise end the
/// process with no word of why.
public enum MemoryCheck {
    /// The machine's physical memory, in bytes (a container's limit where one is set).
    public static var available: Int {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        // cgroup v2, then v1: a container (Slurm, Kubernetes) may allow less than the machine has.
        for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
               let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
                return min(physical, limit)
            }
        }
        return physical
    }

    /// Throws when `parts` (what needs the memory, and how many bytes) add up to more than the
    /// machine has, naming the total, each part and what to change.
    public static func ensureFits(_ parts: [(what: String, bytes: Int)], doing task: String, hint: String) throws(HintedError) {
        let total = SaturatingCount.sum(parts.map(\.bytes))
        let have = available
        guard total > have else { return }
        let breakdown = parts.filter { $0.bytes > 0 }.map { "\($0.what) \(format($0.bytes))" }.joined(separator: ", ")
        throw HintedError("\(task) needs \(format(total)) of memory (\(breakdown)); this machine has \(format(have))", hint: hint)
    }

    /// Bytes as GiB (or MiB below one GiB), or "more than 8 EiB" when the count saturated.
    public static func format(_ bytes: Int) -> String {
        if bytes == .max { return "more than 8 EiB" }
        let gib = Double(bytes) / Double(1 << 30)
        return gib >= 1 ? String(format: "%.1f GiB", gib) : String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }
}
