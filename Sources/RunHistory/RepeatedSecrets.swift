import ContentEncoding
import MetadataDocuments
import SecretHiding

/// Secrets an earlier version kept in clear where they were repeated inside
/// another value (`"notes": "bootstrap with PASSWORD"`), found again without
/// their plaintext: the value under the secret's name was stored as its
/// keyed digest, so each piece of every other string is digested under the
/// same key, and a piece whose digest the document holds is that secret.
/// Given to the masking as a known secret, each of its occurrences becomes
/// the same `<secret:hmac-sha256:HEX>` a refresh stores today.
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

  /// The secrets `value` repeats in clear beside their keyed digests.
  static func plaintexts(in value: JSONValue, key: [UInt8]) -> [[UInt8]] {
    var search = Search(keyed: HMACSHA256(key: key))
    forEachString(value) { if isDigestToken($0) { search.known.insert($0) } }
    guard !search.known.isEmpty else { return [] }
    forEachString(value) { if !isDigestToken($0) { search.scan($0) } }
    return Array(search.found)
  }

  /// The digests of a document's pieces, each distinct piece digested once.
  struct Search {
    let keyed: HMACSHA256
    /// The keyed digests the document holds, as stored.
    var known = Set<String>()
    /// The pieces found to be secrets.
    var found = Set<[UInt8]>()
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
      var json = JSONText.quoted(String(decoding: piece, as: UTF8.self))
      json.withUTF8 { hmac.update(UnsafeRawBufferPointer($0)) }
      let token = prefix + hmac.finalizeHex() + ">"
      if known.contains(token) { found.insert(Array(piece)) }
    }
  }

  private static func forEachString(_ value: JSONValue, _ body: (String) -> Void) {
    switch value {
    case .object(let members): for member in members { forEachString(member.value, body) }
    case .array(let values): for element in values { forEachString(element, body) }
    case .string(let text): body(text)
    default: break
    }
  }
}
