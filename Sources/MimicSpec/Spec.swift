import MimicBasics
import MimicYAML

/// A whole experiment, lowered from one spec file (and the files it extends).
public struct Spec: Sendable {
    /// The file the user named (not the files it extends).
    public var file: String
    public var name: String
    /// An abstract spec only exists to be extended; it need not be complete.
    public var isAbstract: Bool
    /// Present unless the spec is abstract and leaves the model out.
    public var model: Model?
    public var data: DataConfig?
    public var teacher: Teacher?
    public var train: TrainConfig?
    public var search: Search?
    /// The spec's family and role in a study, for `mimicc study report`.
    public var study: StudyTag?
    /// The merged node tree the spec was lowered from, for search paths.
    public var root: Node
}
