import Foundation

/// A stop asked for by a signal: SIGINT (Ctrl-C) or SIGTERM (what Slurm sends on preemption,
/// `scancel`, a time limit or a requeue, and what Kubernetes sends on eviction). The first
/// signal asks the trainer to stop after the current step: it writes a mid-epoch checkpoint,
/// so that a resumed run loses nothing and ends with the same parameters as one that never
/// stopped, and the process exits with the conventional status, 128 + the signal's number
/// (130 for SIGINT, 143 for SIGTERM). A second signal ends the process at once, unless it
/// comes within half a second of the first: that is the same stop delivered twice (Slurm
/// signals every process of a job, and a wrapper script may pass the signal on as well).
public enum Interruption {
    /// The signal that asked for the stop, 0 while none has.
    nonisolated(unsafe) static var received: sig_atomic_t = 0
    /// When it came, in nanoseconds of the monotonic clock.
    nonisolated(unsafe) static var receivedAt: Int64 = 0

    public static var isRequested: Bool { received != 0 }

    /// 128 + the signal's number; 130 (as for SIGINT) when a test asked for the stop.
    public static var exitStatus: Int32 { 128 + (received != 0 ? received : SIGINT) }

    /// "SIGTERM", "SIGINT", or "a stop asked for" (a test's).
    public static var signalName: String {
        switch received {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        default: "a stop asked for"
        }
    }

    /// Whether an exit status is an interruption's (a trial stopped this way resumes).
    public static func isInterruption(_ status: Int32) -> Bool { status == 128 + SIGINT || status == 128 + SIGTERM }

    public static func install() {
        for number in [SIGINT, SIGTERM] {
            // Only async-signal-safe work here: clock_gettime, plain stores, _exit.
            signal(number) { number in
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let nanoseconds = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
                if Interruption.received != 0 {
                    if nanoseconds - Interruption.receivedAt > 500_000_000 { _exit(128 + number) }
                    return
                }
                Interruption.receivedAt = nanoseconds
                Interruption.received = number
            }
        }
    }
}
