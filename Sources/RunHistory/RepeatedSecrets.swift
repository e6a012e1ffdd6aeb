import ContentEncoding
import MetadataDocuments
import SecretHiding

/// Secrets an earlier version kept in clear where they were repeated inside
/// another value (`"notes": "bootstrap with PASSWORD"`), found again without
/// their plaintext: the value under the secret's name was stored as its
/// keyed digest, so each piece of every other string is digested under the
/// same key and, where it matches a digest the document holds, replaced by
/// that digest: the same `<secret:hmac-sha256:HEX>` a refresh stores today.
///
/// The pieces are each string whole and the runs between its delimiters
/// (white space and the punctuation URLs, options and assignments use), of
/// 6 to 256 bytes (the shortest secret searched for today is 6 bytes); each
/// distinct piece is digested once a document. A secret glued to other
/// letters, or holding a delimiter and repeated inside a longer value, is
/// not found this way: that is the limit of working without plaintext.
enum RepeatedSecrets {
  static let prefix = "<secret:hmac-sha256:"
  static let delimiters: [Bool] = {
    var table = [Bool](repeating: false, count: 256)
    for byte in " \t\r\n\"'`:;,=@/?&#()[]{}<>|\\".utf8 { table[Int(byte)] = true }
    return table
  }()
  static let lengths = KnownSecrets.minimumLength...256

  /// Whether `value` is what a secret is stored as (a keyed digest, or
  /// `<secret>` without a key): never digested again.
  static func isStoredToken(_ value: JSONValue) -> Bool {
    guard case .string(let text) = value else { return false }
    return text == SecretPolicy.maskedText || isDigestToken(text)
  }

  static func isDigestToken(_ text: String) -> Bool {
    text.utf8.count == prefix.utf8.count + 65 && text.hasPrefix(prefix) && text.hasSuffix(">")
  }

  /// `value` with each repeat of a secret stored elsewhere in it as a keyed
  /// digest replaced by that digest (`value` itself when there is none).
  static func masked(_ value: JSONValue, key: [UInt8]) -> JSONValue {
    var search = Search(keyed: HMACSHA256(key: key))
    forEachString(value) { if isDigestToken($0) { search.known.insert($0) } }
    guard !search.known.isEmpty else { return value }
    forEachString(value) { if !isDigestToken($0) { search.scan($0) } }
    guard !search.found.isEmpty else { return value }
    let found = search.found.sorted { $0.key.count > $1.key.count }
    return replacingStrings(value) { text in
      guard !isDigestToken(text) else { return text }
      var bytes = Array(text.utf8)
      for (secret, token) in found { bytes = replacingOccurrences(of: secret, with: token, in: bytes) }
      return String(decoding: bytes, as: UTF8.self)
    }
  }

  /// The digests of a document's pieces, each distinct piece digested once.
  struct Search {
    let keyed: HMACSHA256
    /// The keyed digests the document holds, as stored.
    var known = Set<String>()
    /// The pieces found to be secrets, with the digest each is stored as.
    var found: [[UInt8]: [UInt8]] = [:]
    /// Fingerprints of the pieces digested already.
    private var digested = Set<Int>()

    init(keyed: HMACSHA256) { self.keyed = keyed }

    mutating func scan(_ text: String) {
      var text = text
      text.withUTF8 { bytes in
        var start: Int?
        for index in 0...bytes.count {
          let isEnd = index == bytes.count
          if isEnd || delimiters[Int(bytes[index])] {
            if let begun = start, begun > 0 || !isEnd { consider(UnsafeBufferPointer(rebasing: bytes[begun..<index])) }
            start = nil
          } else if start == nil {
            start = index
          }
        }
        consider(bytes)
      }
    }

    private mutating func consider(_ piece: UnsafeBufferPointer<UInt8>) {
      guard lengths.contains(piece.count) else { return }
      var hasher = Hasher()
      hasher.combine(bytes: UnsafeRawBufferPointer(piece))
      guard digested.insert(hasher.finalize()).inserted else { return }
      var hmac = keyed
      // The piece's JSON text, as a secret's keyed digest is taken of it.
      RepeatedSecrets.jsonText(of: piece).withUnsafeBytes { hmac.update($0) }
      let token = prefix + hmac.finalizeHex() + ">"
      if known.contains(token) { found[Array(piece)] = Array(token.utf8) }
    }
  }

  /// `piece` as a JSON string's text: in quotes, `"`, `\` and controls escaped.
  static func jsonText(of piece: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    var text: [UInt8] = [0x22]
    text.reserveCapacity(piece.count + 2)
    let hex = Array("0123456789abcdef".utf8)
    for byte in piece {
      switch byte {
      case 0x22, 0x5C: text += [0x5C, byte]
      case 0x0A: text += [0x5C, UInt8(ascii: "n")]
      case 0x0D: text += [0x5C, UInt8(ascii: "r")]
      case 0x09: text += [0x5C, UInt8(ascii: "t")]
      case ..<0x20: text += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
      default: text.append(byte)
      }
    }
    text.append(0x22)
    return text
  }

  private static func forEachString(_ value: JSONValue, _ body: (String) -> Void) {
    switch value {
    case .object(let members): for member in members { forEachString(member.value, body) }
    case .array(let values): for element in values { forEachString(element, body) }
    case .string(let text): body(text)
    default: break
    }
  }

  private static func replacingStrings(_ value: JSONValue, _ transform: (String) -> String) -> JSONValue {
    switch value {
    case .object(let members): return .object(members.map { ($0.key, replacingStrings($0.value, transform)) })
    case .array(let values): return .array(values.map { replacingStrings($0, transform) })
    case .string(let text): return .string(transform(text))
    default: return value
    }
  }

  private static func replacingOccurrences(of needle: [UInt8], with replacement: [UInt8], in text: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(text.count)
    var index = 0
    while index < text.count {
      if text.count - index >= needle.count, text[index..<(index + needle.count)].elementsEqual(needle) {
        output += replacement
        index += needle.count
      } else {
        output.append(text[index])
        index += 1
      }
    }
    return output
  }
}
