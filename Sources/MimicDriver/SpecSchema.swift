import MimicSpec

/// The JSON Schema `mimicc schema` prints (kept in MimicSpec beside the language it describes).
public enum SpecSchema {
    public static var json: String { SpecJSONSchema.text }
}
