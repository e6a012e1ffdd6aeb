import MetadataDocuments

/// What a script's text says it uses: the metadata keys it reads through
/// `os-apply-config --key`, the words it runs (command names), and so the
/// rendered templates and packages it depends on.
public struct ScriptReads: Sendable, Equatable {
  /// Keys named by `os-apply-config … --key K` (``ApplyConfigKeys``), literal only.
  public let keys: [String]
  /// Every word of the text (letters, digits, `._+-`), for command names.
  public let words: Set<String>
  /// The text, to find rendered template paths in.
  let text: String

  public init(text: [UInt8]) {
    let text = String(decoding: text, as: UTF8.self)
    self.text = text
    keys = ApplyConfigKeys.keys(in: text)
    var words = Set<String>()
    var word = ""
    for scalar in text.unicodeScalars {
      if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._+-".unicodeScalars.contains(scalar) {
        word.unicodeScalars.append(scalar)
      } else {
        if word.count > 1 { words.insert(word) }
        word = ""
      }
    }
    if word.count > 1 { words.insert(word) }
    self.words = words
  }

  /// The `--key` this script reads that a change at `path` (by position,
  /// as ``KeyChange/positionalKey`` names it) touches.
  public func readKey(touchedAt path: String) -> String? {
    keys.first { ApplyConfigKeys.reads($0, path: path) }
  }

  /// Whether the text names `relativePath` (a template's path under its
  /// root, which os-apply-config renders to `/relativePath`).
  public func names(renderedPath relativePath: String) -> Bool {
    !relativePath.isEmpty && text.contains(relativePath)
  }

  /// Whether the script runs an executable called `name` (a word of its text).
  public func runs(_ name: String) -> Bool { words.contains(name) }
}
