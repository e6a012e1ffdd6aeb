import MetadataDocuments

/// What a script's text says it uses: the metadata keys it reads through
/// `os-apply-config --key`, the words it runs (command names), and so the
/// rendered templates and packages it depends on.
public struct ScriptReads: Sendable, Equatable {
  /// Keys named by `os-apply-config … --key K` (``ApplyConfigKeys``), literal only.
  public let keys: [String]
  /// Every word of the text (letters, digits, `._+-`), for command names.
  public let words: Set<String>
  /// Why the keys it reads cannot all be told from its text, in words
  /// ("reads the metadata files themselves"); nil when they can.
  public let unknownReads: String?
  /// Whether it runs os-apply-config to render the templates (a line
  /// running it that does not only read a key or print the templates'
  /// directory): then it depends on every template and the file each renders.
  public let rendersTemplates: Bool
  /// The text, to find rendered template paths in.
  let text: String

  /// What names the metadata files themselves: a script that reads them
  /// (with python, jq, cat) may read any key.
  static let metadataFileNames = [
    "OS_CONFIG_FILES", "os_config_files.json", "/var/lib/os-collect-config/", "/var/lib/heat-cfntools/cfn-init-data",
  ]

  public init(text: [UInt8]) {
    let text = String(decoding: text, as: UTF8.self)
    self.text = text
    let scan = ApplyConfigKeys.scan(text)
    keys = scan.keys
    if Self.metadataFileNames.contains(where: { text.contains($0) }) {
      unknownReads = "reads the metadata files themselves"
    } else if scan.computed {
      unknownReads = "names keys at run time (os-apply-config --key \"$…\")"
    } else {
      unknownReads = nil
    }
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
    rendersTemplates = text.split(whereSeparator: \.isNewline).contains { line in
      let command = line.drop { $0 == " " || $0 == "\t" }
      return !command.hasPrefix("#") && command.contains("os-apply-config")
        && !["--key", " -k ", "--print-templates", "--help", "--version"].contains { command.contains($0) }
    }
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
