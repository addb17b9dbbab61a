/// Stable diagnostic codes. Each is documented with an example in
/// `grammar/diagnostics.md`; a test keeps that file and this enum in step.
/// Codes are never renumbered: retire one instead of reusing it.
public enum DiagnosticCode: String, Sendable, CaseIterable, Codable {
    // The file and its YAML.
    case yamlSyntax = "MC001"
    case invalidUTF8 = "MC002"
    case emptyFile = "MC003"
    case multipleDocuments = "MC004"
    case duplicateKey = "MC005"
    case aliasLimit = "MC006"
    case nestingTooDeep = "MC007"
    case fileTooLarge = "MC008"
    case unknownAlias = "MC009"
    case invalidMerge = "MC010"
    // The structure of a spec.
    case unknownKey = "MC020"
    case wrongType = "MC021"
    case missingKey = "MC022"
    case outOfRange = "MC023"
    case invalidChoice = "MC024"
    case conflictingOptions = "MC025"
    case unsupportedVersion = "MC026"
    case extendsCycle = "MC027"
    case extendsMissing = "MC028"
    // Architectures and searches.
    case architectureSyntax = "MC030"
    case multipleDependent = "MC031"
    case searchPath = "MC032"
    case searchDimension = "MC033"
    case dependentWithoutBudget = "MC034"
    case abstractSpec = "MC035"
    // Shapes.
    case windowTooLarge = "MC040"
    case emptyShape = "MC041"
    case spatialAfterFlatten = "MC042"
    // Parameter budgets.
    case impossibleBudget = "MC050"
    case budgetMismatch = "MC051"
    // Warnings.
    case reportExceedsTrials = "MC060"
    case plateauNeverCuts = "MC061"

    /// A short kebab-case name, used as the SARIF rule name.
    public var name: String {
        switch self {
        case .yamlSyntax: "yaml-syntax"
        case .invalidUTF8: "invalid-utf8"
        case .emptyFile: "empty-file"
        case .multipleDocuments: "multiple-documents"
        case .duplicateKey: "duplicate-key"
        case .aliasLimit: "alias-limit"
        case .nestingTooDeep: "nesting-too-deep"
        case .fileTooLarge: "file-too-large"
        case .unknownAlias: "unknown-alias"
        case .invalidMerge: "invalid-merge"
        case .unknownKey: "unknown-key"
        case .wrongType: "wrong-type"
        case .missingKey: "missing-key"
        case .outOfRange: "out-of-range"
        case .invalidChoice: "invalid-choice"
        case .conflictingOptions: "conflicting-options"
        case .unsupportedVersion: "unsupported-version"
        case .extendsCycle: "extends-cycle"
        case .extendsMissing: "extends-missing"
        case .architectureSyntax: "architecture-syntax"
        case .multipleDependent: "multiple-dependent"
        case .searchPath: "search-path"
        case .searchDimension: "search-dimension"
        case .dependentWithoutBudget: "dependent-without-budget"
        case .abstractSpec: "abstract-spec"
        case .windowTooLarge: "window-too-large"
        case .emptyShape: "empty-shape"
        case .spatialAfterFlatten: "spatial-after-flatten"
        case .impossibleBudget: "impossible-budget"
        case .budgetMismatch: "budget-mismatch"
        case .reportExceedsTrials: "report-exceeds-trials"
        case .plateauNeverCuts: "plateau-never-cuts"
        }
    }

    /// One sentence describing the rule, for SARIF's rule table.
    public var summary: String {
        switch self {
        case .yamlSyntax: "The file is not well-formed YAML."
        case .invalidUTF8: "The file contains bytes that are not UTF-8."
        case .emptyFile: "The file contains no YAML document."
        case .multipleDocuments: "A spec file holds exactly one YAML document."
        case .duplicateKey: "A mapping names the same key twice."
        case .aliasLimit: "Alias expansion exceeds the node limit."
        case .nestingTooDeep: "Collections are nested deeper than the limit."
        case .fileTooLarge: "The file exceeds the size limit for specs."
        case .unknownAlias: "An alias refers to an anchor that was never defined."
        case .invalidMerge: "A merge key (<<) must be given a mapping or a list of mappings."
        case .unknownKey: "A mapping contains a key the spec language does not define."
        case .wrongType: "A value has the wrong type."
        case .missingKey: "A required key is missing."
        case .outOfRange: "A value lies outside its allowed range."
        case .invalidChoice: "A value is not one of the allowed choices."
        case .conflictingOptions: "Two options that exclude each other are both given."
        case .unsupportedVersion: "The spec format version is not supported."
        case .extendsCycle: "Files extend each other in a cycle."
        case .extendsMissing: "A file named by extends cannot be read."
        case .architectureSyntax: "The compact architecture string is malformed."
        case .multipleDependent: "More than one layer width is dependent."
        case .searchPath: "A search dimension names no value of the spec."
        case .searchDimension: "A search distribution does not fit the value it varies."
        case .dependentWithoutBudget: "A dependent width needs a parameter budget."
        case .abstractSpec: "An abstract spec is only extended; it cannot be compiled or run."
        case .windowTooLarge: "A convolution or pooling window is larger than its input."
        case .emptyShape: "A layer's output has a dimension of zero."
        case .spatialAfterFlatten: "A spatial layer follows a flattened or dense layer."
        case .impossibleBudget: "No dependent width meets the parameter budget."
        case .budgetMismatch: "A model without a dependent width misses its parameter budget."
        case .reportExceedsTrials: "The search reports more top trials than it runs."
        case .plateauNeverCuts: "The plateau schedule stops before it can cut the learning rate."
        }
    }
}
