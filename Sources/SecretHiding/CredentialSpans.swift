import CSystemShims

/// Credentials inside a value whose name says nothing: the password of a
/// URL's userinfo, secret query or form parameters, secret header-like
/// fields, the body of a PEM private key, and values known to be secret
/// wherever they appear.
///
/// Only the credential itself is a span; the rest stays visible, so that
/// `mysql+pymysql://keystone:PASSWORD@db2.example.net/keystone` is kept as
/// `mysql+pymysql://keystone:<secret>@db2.example.net/keystone` and a host
/// change still shows.
public struct CredentialSpans: Sendable {
  /// Known secret values shorter than this are not searched for (too likely to be words).
  public static let minimumKnownLength = 6
  /// At most this many distinct known values are searched for.
  public static let maximumKnownCount = 1000

  static let maskedPrefix = Array("<secret".utf8)

  /// Values known to be secret (the secret leaves of the same documents), longest first.
  public let known: [[UInt8]]

  /// Spans found by shape alone, and in `known` values wherever they appear.
  public init(known: some Sequence<[UInt8]> = [[UInt8]]()) {
    var distinct = Set<[UInt8]>()
    for value in known where value.count >= Self.minimumKnownLength && distinct.count < Self.maximumKnownCount {
      distinct.insert(value)
    }
    self.known = distinct.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
  }

  /// The credential ranges of `text` (byte offsets), sorted and merged.
  public func ranges(in text: [UInt8]) -> [Range<Int>] {
    guard !text.isEmpty else { return [] }
    // A credential already replaced by its token (`<secret…>`) is not one
    // again: masking what was masked changes nothing.
    let found = (Self.shapeRanges(in: text) + knownRanges(in: text)).filter {
      !text[$0].starts(with: Self.maskedPrefix)
    }
    return Self.merged(found)
  }

  /// `text` with each credential replaced by `token(credential)`.
  public func masking(_ text: String, token: (String) -> String) -> String {
    let bytes = Array(text.utf8)
    let spans = ranges(in: bytes)
    guard !spans.isEmpty else { return text }
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count)
    var position = 0
    for span in spans {
      output += bytes[position..<span.lowerBound]
      output += Array(token(String(decoding: bytes[span], as: UTF8.self)).utf8)
      position = span.upperBound
    }
    output += bytes[position...]
    return String(decoding: output, as: UTF8.self)
  }

  // MARK: - Known values

  private func knownRanges(in text: [UInt8]) -> [Range<Int>] { Self.occurrences(of: known, in: text) }

  /// Every place (overlapping ones too) where one of `values` stands in
  /// `text`: memmem(3), linear in the text per value.
  public static func occurrences(of values: [[UInt8]], in text: [UInt8]) -> [Range<Int>] {
    guard !values.isEmpty, !text.isEmpty else { return [] }
    var found: [Range<Int>] = []
    text.withUnsafeBytes { haystack in
      guard let base = haystack.baseAddress else { return }
      for value in values where !value.isEmpty && value.count <= haystack.count {
        value.withUnsafeBytes { needle in
          var offset = 0
          while offset + needle.count <= haystack.count,
            let hit = orc_memmem(base + offset, haystack.count - offset, needle.baseAddress, needle.count)
          {
            let start = base.distance(to: UnsafeRawPointer(hit))
            found.append(start..<(start + needle.count))
            offset = start + 1
          }
        }
      }
    }
    return found
  }

  // MARK: - Shapes

  /// Credentials found by their shape. Each shape is looked for only when
  /// the byte it needs is there: most values have none, and cost one scan.
  static func shapeRanges(in text: [UInt8]) -> [Range<Int>] {
    var hasColon = false
    var hasEquals = false
    var hasDash = false
    for byte in text {
      switch byte {
      case UInt8(ascii: ":"): hasColon = true
      case UInt8(ascii: "="): hasEquals = true
      case UInt8(ascii: "-"): hasDash = true
      default: continue
      }
    }
    var found: [Range<Int>] = []
    if hasColon { found += userinfoPasswords(in: text) + secretFields(in: text) }
    if hasEquals { found += secretParameters(in: text) }
    if hasDash { found += privateKeyBodies(in: text) }
    return found
  }

  /// Bytes that end a URL, a parameter's value or a token in running text.
  static func endsToken(_ byte: UInt8) -> Bool {
    byte <= 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "<")
      || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "`")
  }

  /// `scheme://user:PASSWORD@host`: the password (the userinfo after its
  /// first colon, up to the authority's last `@`).
  static func userinfoPasswords(in text: [UInt8]) -> [Range<Int>] {
    var found: [Range<Int>] = []
    var index = 0
    while let marker = find(Array("://".utf8), in: text, from: index) {
      let start = marker + 3
      var end = start
      while end < text.count, !endsToken(text[end]),
        ![UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")]
          .contains(text[end])
      {
        end += 1
      }
      if let at = text[start..<end].lastIndex(of: UInt8(ascii: "@")),
        let colon = text[start..<at].firstIndex(of: UInt8(ascii: ":")), colon + 1 < at
      {
        found.append((colon + 1)..<at)
      }
      index = max(end, start)
    }
    return found
  }

  /// `name=VALUE` after `?`, `&`, `;`, a space or the start, where the name
  /// is secret (``SecretPolicy/isSecretName(_:)``) or names a signature
  /// (`sig`, `Signature`, `X-Amz-Signature`, `temp_url_sig`).
  static func secretParameters(in text: [UInt8]) -> [Range<Int>] {
    var found: [Range<Int>] = []
    var index = 0
    while index < text.count {
      guard text[index] == UInt8(ascii: "=") else {
        index += 1
        continue
      }
      var nameStart = index
      while nameStart > 0, isNameByte(text[nameStart - 1]) { nameStart -= 1 }
      let opensName =
        nameStart == 0 || [UInt8(ascii: "?"), UInt8(ascii: "&"), UInt8(ascii: ";")].contains(text[nameStart - 1])
        || text[nameStart - 1] <= 0x20
      var end = index + 1
      while end < text.count, !endsToken(text[end]),
        ![UInt8(ascii: "&"), UInt8(ascii: "#"), UInt8(ascii: ";")]
          .contains(text[end])
      {
        end += 1
      }
      if opensName, nameStart < index, end > index + 1,
        isSecretParameter(String(decoding: text[nameStart..<index], as: UTF8.self))
      {
        found.append((index + 1)..<end)
      }
      index = end
    }
    return found
  }

  static func isNameByte(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
      || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
      || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
  }

  /// Whether a parameter or field named `name` carries a credential.
  static func isSecretParameter(_ name: String) -> Bool {
    SecretPolicy.isSecretName(name) || SecretPolicy.words(of: name).last == "sig"
  }

  /// `Name: VALUE` at the start of a line, where the name is secret
  /// (`Authorization: Bearer …`, `X-Auth-Token: …`): the value, to the end of the line.
  static func secretFields(in text: [UInt8]) -> [Range<Int>] {
    var found: [Range<Int>] = []
    var lineStart = 0
    while lineStart < text.count {
      let lineEnd = text[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? text.count
      var nameEnd = lineStart
      while nameEnd < lineEnd, isNameByte(text[nameEnd]) { nameEnd += 1 }
      if nameEnd > lineStart, nameEnd < lineEnd, text[nameEnd] == UInt8(ascii: ":"),
        isSecretParameter(String(decoding: text[lineStart..<nameEnd], as: UTF8.self))
      {
        var valueStart = nameEnd + 1
        while valueStart < lineEnd, text[valueStart] == UInt8(ascii: " ") || text[valueStart] == 0x09 {
          valueStart += 1
        }
        var valueEnd = lineEnd
        if valueEnd > valueStart, text[valueEnd - 1] == 0x0D { valueEnd -= 1 }
        if valueEnd > valueStart { found.append(valueStart..<valueEnd) }
      }
      lineStart = lineEnd + 1
    }
    return found
  }

  /// The body of each `-----BEGIN … PRIVATE KEY-----` block, up to its END
  /// line (or the end of the text when it has none).
  static func privateKeyBodies(in text: [UInt8]) -> [Range<Int>] {
    var found: [Range<Int>] = []
    var index = 0
    let begin = Array("-----BEGIN ".utf8)
    let end = Array("-----END ".utf8)
    let keyMarker = Array("PRIVATE KEY-----".utf8)
    while let start = find(begin, in: text, from: index) {
      let lineEnd = text[start...].firstIndex(of: UInt8(ascii: "\n")) ?? text.count
      guard find(keyMarker, in: Array(text[start..<lineEnd]), from: 0) != nil else {
        index = lineEnd
        continue
      }
      let bodyStart = min(lineEnd + 1, text.count)
      let endLine = find(end, in: text, from: bodyStart) ?? text.count
      var bodyEnd = endLine
      if bodyEnd > bodyStart, text[bodyEnd - 1] == UInt8(ascii: "\n") { bodyEnd -= 1 }
      if bodyEnd > bodyStart { found.append(bodyStart..<bodyEnd) }
      index = max(endLine, bodyStart + 1)
    }
    return found
  }

  /// The first offset at or after `from` where `needle` stands in `text`.
  public static func find(_ needle: [UInt8], in text: [UInt8], from: Int) -> Int? {
    guard !needle.isEmpty, from + needle.count <= text.count else { return nil }
    return text.withUnsafeBytes { haystack in
      needle.withUnsafeBytes { pattern in
        guard let base = haystack.baseAddress,
          let hit = orc_memmem(base + from, haystack.count - from, pattern.baseAddress, pattern.count)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
      }
    }
  }

  /// Sorted, overlapping or touching ranges joined.
  public static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
    var result: [Range<Int>] = []
    for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
      if let last = result.last, range.lowerBound <= last.upperBound {
        result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
      } else {
        result.append(range)
      }
    }
    return result
  }
}
