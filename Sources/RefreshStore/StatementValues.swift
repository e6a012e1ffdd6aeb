import RefreshVocabulary

/// Building bound values from the history's words and optionals.
extension Statement.Value {
  /// A status or a phase, bound as its text.
  package static func word<Word: RawRepresentable>(_ word: Word) -> Statement.Value where Word.RawValue == String {
    .text(word.rawValue)
  }

  /// An integer, or NULL.
  package static func integer(orNull value: Int64?) -> Statement.Value { value.map { .integer($0) } ?? .null }

  /// A text, or NULL.
  package static func text(orNull value: String?) -> Statement.Value { value.map { .text($0) } ?? .null }
}

/// SQL fragments for lists of words, so a set like "the failed statuses" is
/// spelled once, in the vocabulary, and bound as parameters.
enum SQLList {
  /// `?, ?, ?` for `count` parameters.
  static func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
  }

  /// The values of `words`, to bind to ``placeholders(_:)``.
  static func values<Word: RawRepresentable>(_ words: [Word]) -> [Statement.Value] where Word.RawValue == String {
    words.map { .word($0) }
  }
}
