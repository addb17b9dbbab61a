import Foundation

/// Which process runs a trial: `host:pid`. A trial left `running` by a process that is gone
/// (killed) is resumed; one whose process still runs on this machine is left to it, so two
/// `study run` commands on one results store do not train the same trial twice. Owners on
/// other machines cannot be checked and count as gone: give each machine its own store
/// (`--shard` with `--db`) and merge.
enum TrialOwner {
    static var current: String { "\(ProcessInfo.processInfo.hostName):\(getpid())" }

    static func isAlive(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count == 2, String(parts[0]) == ProcessInfo.processInfo.hostName, let pid = Int32(parts[1]) else { return false }
        if pid == getpid() { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
