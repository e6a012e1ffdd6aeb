/// The metadata keys a shell text reads through `os-apply-config --key K`
/// (or `--boolean-key K`), literal keys only: `--key "$NAME"` cannot be known.
///
/// Read as a shell splits words, closely enough for how scripts write it:
/// `--key K`, `--key=K`, `--key 'K'`, `--key="K"`, inside `$( )`, backquotes
/// and functions, across lines joined with a backslash. (os-apply-config
/// 14.1.0 has no short form of `--key`.)
public enum ApplyConfigKeys {
  /// The options whose value is a key.
  static let keyOptions = ["--key", "--boolean-key"]

  /// Each key once, in the order first read.
  public static func keys(in text: String) -> [String] { scan(text).keys }

  /// The literal keys, each once in the order first read, and whether a
  /// key is computed by the shell (`--key "$NAME"`), which cannot be known.
  public static func scan(_ text: String) -> (keys: [String], computed: Bool) {
    var keys: [String] = []
    var computed = false
    let joined = text.replacing("\\\n", with: " ")
    for line in joined.split(whereSeparator: { $0 == "\n" || $0 == ";" || $0 == "|" || $0 == "&" }) {
      let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "(" || $0 == ")" })
      guard let start = tokens.firstIndex(where: { unquoted($0).hasSuffix("os-apply-config") }) else { continue }
      var index = tokens.index(after: start)
      while index < tokens.endIndex {
        let token = tokens[index]
        var value: Substring?
        if keyOptions.contains(String(token)), tokens.index(after: index) < tokens.endIndex {
          value = tokens[tokens.index(after: index)]
        } else if let option = keyOptions.first(where: { token.hasPrefix($0 + "=") }) {
          value = token.dropFirst(option.count + 1)
        }
        // A value computed by the shell (`$NAME`, `$(…)`, `` `…` ``) cannot be known.
        if let value, value.contains("$") || value.first == "`" {
          computed = true
        } else if let value {
          let key = unquoted(value)
          if !key.isEmpty, !keys.contains(key) { keys.append(key) }
        }
        index = tokens.index(after: index)
      }
    }
    return (keys, computed)
  }

  /// Whether reading `key` (as `--key` names it: dotted, list items by
  /// position) sees a change at `path` (a diff's path by position): the
  /// same value, a value beneath the one read (it is printed whole), or a
  /// subtree holding it (the value read was added, removed or retyped).
  public static func reads(_ key: String, path: String) -> Bool {
    let (read, changed) = (segments(key), segments(path))
    return read.starts(with: changed) || changed.starts(with: read)
  }

  /// Whether `path` lies strictly beneath `key`: the key read is a whole
  /// subtree, of which `path` is one value.
  public static func isBeneath(_ path: String, _ key: String) -> Bool {
    let (read, changed) = (segments(key), segments(path))
    return changed.count > read.count && changed.starts(with: read)
  }

  /// A dotted path's parts.
  private static func segments(_ path: String) -> [Substring] {
    path.split(separator: ".", omittingEmptySubsequences: false)
  }

  private static func unquoted(_ token: Substring) -> String {
    var value = token
    while let first = value.first, first == "\"" || first == "'" || first == "`" { value = value.dropFirst() }
    while let last = value.last, last == "\"" || last == "'" || last == "`" || last == "}" { value = value.dropLast() }
    return String(value)
  }
}
