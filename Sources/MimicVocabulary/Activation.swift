/// MimicVocabulary is the floor every stage shares: the few words (activations, losses,
/// initialisers, update rules) that the spec language, the graph IR, the kernels and the
/// runtime all speak. It depends on nothing, so the numeric floors never import the spec
/// language to learn what a ReLU is.

/// An element-wise nonlinearity; `none` is the identity.
public enum Activation: String, Sendable, Equatable, CaseIterable {
    case relu, gelu, tanh, sigmoid, none
}
