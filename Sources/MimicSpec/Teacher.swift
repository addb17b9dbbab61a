import MimicBasics

/// Where the student's regression targets come from.
public enum Teacher: Sendable, Equatable {
    /// Precomputed logits in `.npy` files (float32, [N, classes]); paths are relative to the
    /// spec that names them, already resolved to the directory of that spec.
    case logits(train: Located<String>, test: Located<String>, trainFlipped: Located<String>?)
    /// Trained mimicc run directories whose logits are averaged on the student's batch.
    case ensemble([Located<String>])
    /// A teacher spec trained as `members` runs (seeds 1 ... members) whose logits are
    /// exported once and cached (`TeacherCache`); the student mimics their mean.
    case trained(spec: Located<String>, members: Int)
}
