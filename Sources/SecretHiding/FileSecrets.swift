import ContentEncoding
import SystemInterface

/// What in a watched file is secret: whole files (shadow files, private
/// keys, keystores) kept as a keyed digest only, and inside every other
/// text file the values of secret-named settings and credentials by their
/// shape or known value, masked before anything is stored or shown.
public enum FileSecrets {
  /// Paths whose whole content is secret (fnmatch(3): a pattern with a `/`
  /// matches the whole path, one without the last component).
  public static let secretPathPatterns = [
    "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/security/opasswd",
    "/etc/ssh/ssh_host_*_key", "/etc/ssl/private/*", "/etc/pki/tls/private/*", "*.key", "*.p12", "*.pfx",
    "*.jks", "*.keystore", "*.keytab", "*htpasswd", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519",
  ]

  /// Whether `path` names a file whose whole content is secret.
  public static func isSecretPath(_ path: String) -> Bool { secretPaths.matches(path) }

  private static let secretPaths = PathPatterns(secretPathPatterns)

  /// Whether `bytes` hold a PEM private key (`-----BEGIN … PRIVATE KEY-----`).
  public static func holdsPrivateKey(_ bytes: [UInt8]) -> Bool {
    !CredentialSpans.privateKeyBodies(in: bytes).isEmpty
  }

  /// The secret ranges of a text file: the value of each line that sets a
  /// secret-named key (`key = value`, `key: value`, `key=value`, `export
  /// KEY="value"`, `"key": "value"`), and every credential `spans` finds.
  public static func secretRanges(in text: [UInt8], spans: CredentialSpans) -> [Range<Int>] {
    CredentialSpans.merged(settingValues(in: text) + jsonMemberValues(in: text) + spans.ranges(in: text))
  }

  /// `text` with each secret range replaced by `token(secret)`.
  public static func masking(_ text: [UInt8], spans: CredentialSpans, token: ([UInt8]) -> [UInt8]) -> (
    masked: [UInt8], found: Bool
  ) {
    let ranges = secretRanges(in: text, spans: spans)
    guard !ranges.isEmpty else { return (text, false) }
    var output: [UInt8] = []
    output.reserveCapacity(text.count)
    var position = 0
    for range in ranges {
      output += text[position..<range.lowerBound]
      output += token(Array(text[range]))
      position = range.upperBound
    }
    output += text[position...]
    return (output, true)
  }

  /// The string values of JSON members with secret names, wherever they
  /// stand (`{"admin_password": "…", "port": 1}` on one line too): the
  /// bytes inside the value's quotes.
  static func jsonMemberValues(in text: [UInt8]) -> [Range<Int>] {
    var found: [Range<Int>] = []
    var index = 0
    while let open = text[index...].firstIndex(of: UInt8(ascii: "\"")) {
      guard let nameEnd = stringEnd(in: text, from: open + 1) else { break }
      index = nameEnd + 1
      var next = index
      skipBlanks(text, &next, text.count)
      guard next < text.count, text[next] == UInt8(ascii: ":") else { continue }
      next += 1
      skipBlanks(text, &next, text.count)
      guard next < text.count, text[next] == UInt8(ascii: "\""), let valueEnd = stringEnd(in: text, from: next + 1)
      else { continue }
      let name = String(decoding: text[(open + 1)..<nameEnd], as: UTF8.self)
      if SecretPolicy.isSecretName(name), valueEnd > next + 1 { found.append((next + 1)..<valueEnd) }
      index = valueEnd + 1
    }
    return found
  }

  /// The offset of the quote that ends the JSON string whose text starts at `start`.
  private static func stringEnd(in text: [UInt8], from start: Int) -> Int? {
    var index = start
    while index < text.count {
      switch text[index] {
      case UInt8(ascii: "\\"): index += 2
      case UInt8(ascii: "\""): return index
      case UInt8(ascii: "\n"): return nil
      default: index += 1
      }
    }
    return nil
  }

  /// The values of lines that set a secret-named key.
  static func settingValues(in text: [UInt8]) -> [Range<Int>] {
    var found: [Range<Int>] = []
    var lineStart = 0
    while lineStart < text.count {
      let lineEnd = text[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? text.count
      if let value = settingValue(in: text, lineStart..<lineEnd) { found.append(value) }
      lineStart = lineEnd + 1
    }
    return found
  }

  private static func skipBlanks(_ text: [UInt8], _ index: inout Int, _ end: Int) {
    while index < end, text[index] == UInt8(ascii: " ") || text[index] == 0x09 { index += 1 }
  }

  /// The value a line sets, when its key is secret.
  static func settingValue(in text: [UInt8], _ line: Range<Int>) -> Range<Int>? {
    var index = line.lowerBound
    skipBlanks(text, &index, line.upperBound)
    let export = Array("export ".utf8)
    if text[index..<line.upperBound].starts(with: export) { index += export.count }
    let quoted = index < line.upperBound && (text[index] == UInt8(ascii: "\"") || text[index] == UInt8(ascii: "'"))
    if quoted { index += 1 }
    let nameStart = index
    while index < line.upperBound, CredentialSpans.isNameByte(text[index]) || text[index] == UInt8(ascii: ".") {
      index += 1
    }
    guard index > nameStart else { return nil }
    let name = String(decoding: text[nameStart..<index], as: UTF8.self)
    if quoted, index < line.upperBound, text[index] == text[nameStart - 1] { index += 1 }
    skipBlanks(text, &index, line.upperBound)
    guard index < line.upperBound, text[index] == UInt8(ascii: "=") || text[index] == UInt8(ascii: ":") else {
      return nil
    }
    index += 1
    skipBlanks(text, &index, line.upperBound)
    guard SecretPolicy.isSecretName(name) else { return nil }
    return valueRange(in: text, from: index, to: line.upperBound)
  }

  /// The value from `start` to the line's end: inside its quotes when
  /// quoted, else without trailing blanks, a carriage return or a JSON comma.
  private static func valueRange(in text: [UInt8], from start: Int, to end: Int) -> Range<Int>? {
    var lower = start
    var upper = end
    while upper > lower, [0x20, 0x09, 0x0D].contains(text[upper - 1]) { upper -= 1 }
    if upper > lower, text[upper - 1] == UInt8(ascii: ",") { upper -= 1 }
    if upper - lower >= 2, text[lower] == text[upper - 1],
      text[lower] == UInt8(ascii: "\"") || text[lower] == UInt8(ascii: "'")
    {
      lower += 1
      upper -= 1
    }
    return upper > lower ? lower..<upper : nil
  }
}

extension FileSecrets {
  /// The credential spans of a run's files: shapes, and the run's known secret values.
  public static func spans(known: KnownSecrets) -> CredentialSpans { CredentialSpans(known: known.values) }
}

/// A watched file's content as the history keeps it.
public struct KeptFileContent: Sendable, Equatable {
  /// The content with secrets masked; nil when not kept.
  public var content: [UInt8]?
  /// The plain digest of content that held no secret, else the keyed one
  /// (`hmac-sha256:…`; nil without a key).
  public var sha256: String?
  public var secret = false
  public var binary = false

  /// Creates a kept content.
  public init(content: [UInt8]?, sha256: String?, secret: Bool = false, binary: Bool = false) {
    (self.content, self.sha256, self.secret, self.binary) = (content, sha256, secret, binary)
  }
}

extension FileSecrets {
  /// How the history keeps a file at `path` whose first bytes are `bytes`
  /// (nil: larger than kept), with the digests of its whole content: a
  /// secret file (by its path, or holding a private key) as its keyed
  /// digest only; a binary or too large one as its digest; text with its
  /// secret values replaced by keyed tokens (`<secret:hmac-sha256:…>`, or
  /// `<secret>` without a key).
  /// `keyedSHA256` is the whole content's keyed digest when it was made
  /// while reading (a secret path's); otherwise it is made from `bytes`
  /// when needed.
  public static func kept(
    path: String, bytes: [UInt8]?, binary: Bool, sha256: String, keyedSHA256: String?, key: [UInt8]?,
    spans: CredentialSpans
  ) -> KeptFileContent {
    // Computed only for a file whose digest is kept keyed (most are not).
    var keyed: String? {
      (keyedSHA256 ?? key.flatMap { key in bytes.map { ContentDigest.hmacSHA256Hex(key: key, $0) } })
        .map { ContentDigest.keyedPrefix + $0 }
    }
    if isSecretPath(path) || bytes.map(holdsPrivateKey) == true {
      return KeptFileContent(content: nil, sha256: keyed, secret: true)
    }
    guard let bytes, !binary else { return KeptFileContent(content: nil, sha256: sha256, binary: binary) }
    let masked = masking(bytes, spans: spans) { secret in
      let token = key.map { "<secret:\(ContentDigest.keyedPrefix)\(ContentDigest.hmacSHA256Hex(key: $0, secret))>" }
      return Array((token ?? SecretPolicy.maskedText).utf8)
    }
    return KeptFileContent(content: masked.masked, sha256: masked.found ? keyed : sha256)
  }
}
