import MimicBasics
import XCTest

/// Did-you-mean: edit distance with swaps of neighbours as one edit, and the closeness rule.
final class SuggestionTests: XCTestCase {
    func testDistanceCountsASwapAsOneEdit() {
        XCTAssertEqual(Suggestion.distance("kitten", "sitting"), 3)
        XCTAssertEqual(Suggestion.distance("widht", "width"), 1)
        XCTAssertEqual(Suggestion.distance("rnu", "run"), 1)
        XCTAssertEqual(Suggestion.distance("", "abc"), 3)
        XCTAssertEqual(Suggestion.distance("same", "same"), 0)
        XCTAssertEqual(Suggestion.distance("ab", "ba"), 1)
        XCTAssertEqual(Suggestion.distance("ca", "abc"), 3, "optimal string alignment: no edit of a swapped pair")
    }

    func testClosestNeedsAPlausibleTypo() {
        XCTAssertEqual(Suggestion.closest(to: "rnu", in: ["run", "report", "merge"]), "run")
        XCTAssertEqual(Suggestion.closest(to: "widht", in: ["width", "filters"]), "width")
        XCTAssertEqual(Suggestion.closest(to: "REPORT", in: ["run", "report"]), "report")
        XCTAssertNil(Suggestion.closest(to: "trian", in: ["lint", "compile", "study"]))
    }
}
