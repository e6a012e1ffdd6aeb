import SystemInterface

/// A command a view suggests running next (`os-refresh-config why 8`),
/// with the selectors the viewing command was given (`--db PATH`), so
/// pasting it asks the same history.
public struct CommandHint: Sendable {
  /// The selector words, each quoted for a POSIX shell.
  let selectors: [String]

  /// Repeats `--db` when one was given; none otherwise (the environment
  /// and the default choose the same history again).
  public init(database: String? = nil) {
    selectors = database.map { ["--db", Self.quoted($0)] } ?? []
  }

  /// `os-refresh-config WORDS` and the selectors, control characters escaped.
  public func command(_ words: String) -> String {
    HumanFormat.safe((["os-refresh-config", words] + selectors).joined(separator: " "))
  }

  /// `word` as one word of a POSIX shell: bare when it holds nothing the
  /// shell reads, else single-quoted.
  static func quoted(_ word: String) -> String {
    let plain =
      !word.isEmpty
      && word.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
          || "/._-+:,@%=".utf8.contains(byte)
      }
    return plain ? word : "'" + word.replacing("'", with: "'\\''") + "'"
  }
}
