import MimicBasics
import MimicYAML

extension Lowerer {
    static let studyKeys = ["family", "role"]

    /// Lowers `study: {family, role}`; the role defaults to `student`.
    mutating func lowerStudy(_ node: Node) -> StudyTag? {
        guard let study = mapping(node, "study", allowed: Self.studyKeys) else { return nil }
        let family = required(study, "family", in: "study").flatMap { string($0, "study.family") }
        if let family, family.isEmpty || family.contains(where: { $0 == "," || $0.isNewline }), let at = study["family"] {
            outOfRange(at, "study.family", "must be a non-empty name without commas or line breaks")
            return nil
        }
        let role = study["role"].map {
            choice($0, "study.role", among: StudyTag.Role.allCases.map(\.rawValue)).flatMap(StudyTag.Role.init(rawValue:))
        } ?? .student
        guard let family, let role else { return nil }
        return StudyTag(family: family, role: role, location: study.location)
    }
}
