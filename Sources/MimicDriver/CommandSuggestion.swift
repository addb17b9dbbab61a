import MimicBasics

/// Did-you-mean for command names (`mimicc trian` -> `train`?): the argument parser suggests
/// close option names itself, but a mistyped subcommand is only "an unexpected argument".
public enum CommandSuggestion {
    /// The command a mistyped `word` was probably meant to be, if one is close enough.
    public static func closest(to word: String, among names: [String]) -> String? {
        Suggestion.closest(to: word, in: names)
    }
}
