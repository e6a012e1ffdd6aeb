/// The metadata keys a shell text reads through `os-apply-config --key K`
/// (or `--key=K`), literal keys only: `--key "$NAME"` cannot be known.
public enum ApplyConfigKeys {
  /// Each key once, in the order first read.
  public static func keys(in text: String) -> [String] {
    var keys: [String] = []
    for line in text.split(whereSeparator: { $0 == "\n" || $0 == ";" || $0 == "|" || $0 == "&" }) {
      let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "(" || $0 == ")" || $0 == "`" })
      guard let start = tokens.firstIndex(where: { $0.hasSuffix("os-apply-config") }) else { continue }
      var index = tokens.index(after: start)
      while index < tokens.endIndex {
        let token = tokens[index]
        var value: Substring?
        if token == "--key", tokens.index(after: index) < tokens.endIndex {
          value = tokens[tokens.index(after: index)]
        } else if token.hasPrefix("--key=") {
          value = token.dropFirst("--key=".count)
        }
        if let value {
          let key = unquoted(value)
          if !key.isEmpty, !key.contains("$"), !keys.contains(key) { keys.append(key) }
        }
        index = tokens.index(after: index)
      }
    }
    return keys
  }

  private static func unquoted(_ token: Substring) -> String {
    var value = token
    while let first = value.first, first == "\"" || first == "'" { value = value.dropFirst() }
    while let last = value.last, last == "\"" || last == "'" { value = value.dropLast() }
    return String(value)
  }
}
