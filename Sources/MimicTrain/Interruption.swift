import Foundation

/// Ctrl-C during training: the first SIGINT asks the trainer to stop after the current step
/// (nothing is lost: the last checkpoint stays, and the run can be resumed); a second one
/// ends the process at once.
public enum Interruption {
    nonisolated(unsafe) static var requested: sig_atomic_t = 0

    public static var isRequested: Bool { requested != 0 }

    public static func install() {
        signal(SIGINT) { _ in
            if Interruption.requested != 0 { _exit(130) }
            Interruption.requested = 1
        }
    }
}
