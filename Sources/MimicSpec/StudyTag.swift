import MimicBasics

/// Where a spec sits in a study: `study: {family: CNN-2, role: student}`. The report groups
/// trials by family and budget; the role decides whether a row is a student line, a
/// hard-target baseline mark or the teacher line of the figure.
public struct StudyTag: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case student, baseline, teacher
    }

    public var family: String
    public var role: Role
    public var location: SourceLocation

    public init(family: String, role: Role, location: SourceLocation = .nowhere) {
        self.family = family
        self.role = role
        self.location = location
    }
}
