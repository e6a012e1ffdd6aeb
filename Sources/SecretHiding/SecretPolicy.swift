import MetadataDocuments
import Synchronization

/// What counts as secret: the one decision recording, `diff`, `show`,
/// `export` and the exporters all follow.
///
/// A name is secret when one of its words is a secret word. Names are split
/// at `_ - . space`, at lower→upper case changes, before the last capital of
/// a run of capitals followed by a lower-case letter (`SSLKey` → ssl, key) and
/// between letters and digits, then compared without case:
/// `KeystoneFernetKey0` → keystone, fernet, key, 0 is secret; `keystone`,
/// `monkey`, `keepalived` and `tokenizer` are single words and are not. A
/// name ending in a word that names *about* a secret rather than the secret
/// itself (`key_name`, `password_file`, `token_url`) is not secret.
///
/// A value is secret when its key is, when it is anywhere beneath a secret
/// key, or when it is the `value` of an object whose `name` is secret (Heat
/// software deployment inputs: `{"name": "db_password", "value": "…"}`), at
/// any depth, in lists too.
public enum SecretPolicy {
  /// The words that make a name secret.
  public static let secretWords: Set<String> = [
    "password", "passwords", "passwd", "pwd", "pass", "passphrase", "secret", "secrets", "token", "tokens", "key",
    "keys", "credential", "credentials", "cookie", "private", "encryption", "dbpassword", "apikey", "rootpw", "psk",
    "authorization", "signature", "kek", "htpasswd", "otp",
  ]

  /// Word endings that make one run-together word secret (`adminpass`,
  /// `rootpassword`, `clientsecret`, `authtoken`), as Puppet and hiera keys
  /// and nova's `adminPass` written lower-case spell them.
  static let secretEndings = ["password", "passwd", "passphrase", "secret", "token", "pwd", "pass"]

  /// Run-together words with a secret ending that are not secrets.
  static let harmlessCompounds: Set<String> = ["bypass", "compass", "overpass", "underpass", "trespass", "surpass"]

  /// Run-together names of keys that are secrets (`secretkey`); a run-together
  /// word merely ending in "key" (`monkey`, `hotkey`) is not.
  static let secretKeyCompounds: Set<String> = [
    "accesskey", "secretkey", "privatekey", "authkey", "encryptionkey", "masterkey", "sessionkey", "signingkey",
    "sharedkey", "presharedkey", "fernetkey", "cryptokey",
  ]

  /// Whether one word is a secret word, or a run-together one that ends in one.
  static func isSecretWord(_ word: String) -> Bool {
    if secretWords.contains(word) || secretKeyCompounds.contains(word) { return true }
    guard !harmlessCompounds.contains(word) else { return false }
    return secretEndings.contains { word.count > $0.count && word.hasSuffix($0) }
  }

  /// Last words that name something about a secret, not the secret.
  public static let describingWords: Set<String> = [
    "name", "id", "url", "uri", "path", "file", "type", "size", "method", "version", "algorithm", "length", "expires",
  ]

  /// Whether `name` names a secret.
  public static func isSecretName(_ name: String) -> Bool {
    // Metadata repeats its key names thousands of times (`name`, `value`,
    // `inputs`…): each is split into words once per process.
    // The commonest names of Heat metadata, known not to be secret, are
    // answered without the shared cache's lock.
    if commonNames.contains(name) { return false }
    if let known = answers.withLock({ $0[name] }) { return known }
    let answer = judgeName(name)
    answers.withLock { if $0.count < 1 << 16 { $0[name] = answer } }
    return answer
  }

  private static let answers = Mutex<[String: Bool]>([:])

  /// Names that fill Heat metadata (deployments, their inputs and outputs).
  static let commonNames: Set<String> = [
    "name", "value", "type", "id", "description", "inputs", "outputs", "group", "options",
    "creation_time", "updated_time", "deployments", "server_id", "deploy_server_id", "deploy_action",
    "deploy_stack_id", "deploy_resource_name", "deploy_signal_transport", "deploy_signal_id", "error_output",
  ]

  static func judgeName(_ name: String) -> Bool {
    let parts = words(of: name)
    guard let last = parts.last, !describingWords.contains(last) else { return false }
    return parts.contains(where: isSecretWord)
  }

  /// The lower-cased words of `name`.
  public static func words(of name: String) -> [String] {
    var words: [String] = []
    var current: [Character] = []
    let characters = Array(name)
    func flush() {
      if !current.isEmpty { words.append(String(current).lowercased()) }
      current.removeAll()
    }
    for (index, character) in characters.enumerated() {
      if "_-. ".contains(character) {
        flush()
        continue
      }
      if let previous = current.last, startsWord(character, after: previous, next: characters[safe: index + 1]) {
        flush()
      }
      current.append(character)
    }
    flush()
    return words
  }

  private static func startsWord(_ character: Character, after previous: Character, next: Character?) -> Bool {
    if previous.isLowercase && character.isUppercase { return true }
    if previous.isLetter != character.isLetter && (previous.isLetter || previous.isNumber)
      && (character.isLetter || character.isNumber)
    {
      return true
    }
    // The last capital of a run before a lower-case letter starts a word: SSLKey.
    return previous.isUppercase && character.isUppercase && next?.isLowercase == true
  }

  /// Whether the members of an object hold a Heat input whose `name` is
  /// secret: then its `value` is.
  /// Whether `text` may name a secret anywhere: it holds, in any case, one
  /// of the secret words (`pass`, `key`, `token`…). When it does not, no
  /// key or input name in it is secret, and its values need no search for
  /// secrets known by name. One pass; false answers are exact, true ones
  /// may not be (`keyboard`).
  public static func mayNameSecrets(_ text: [UInt8]) -> Bool { mayNameSecrets(text[...]) }

  /// ``mayNameSecrets(_:)`` of a part of a text.
  public static func mayNameSecrets(_ text: ArraySlice<UInt8>) -> Bool {
    let filter = prefixFilter
    return text.withUnsafeBufferPointer { bytes in
      filter.withUnsafeBufferPointer { filter in
        // The last three bytes, lower-cased, against the stems' first three:
        // their last two bytes index a table of the first letters that go
        // before them in a stem (a bit per letter), so a stem is looked up
        // only when all three match.
        var window: UInt32 = 0
        for index in bytes.indices {
          window = ((window << 8) | UInt32(bytes[index] | 0x20)) & 0xFF_FFFF
          let letters = filter[Int(window & 0xFFFF)]
          guard letters != 0 else { continue }
          let first = (window >> 16) &- 0x61
          guard first < 26, letters & (1 << first) != 0, let stems = stemsByPrefix[window] else { continue }
          let start = index - 2
          for stem in stems where start + stem.count <= bytes.count {
            if (3..<stem.count).allSatisfy({ bytes[start + $0] | 0x20 == stem[$0] }) { return true }
          }
        }
        return false
      }
    }
  }

  /// By a stem's second and third letters: its first letters, a bit each (`a` bit 0).
  private static let prefixFilter: [UInt32] = {
    var filter = [UInt32](repeating: 0, count: 1 << 16)
    for prefix in stemsByPrefix.keys { filter[Int(prefix & 0xFFFF)] |= 1 << ((prefix >> 16) - 0x61) }
    return filter
  }()

  /// The shortest stems of the secret words (each word holds one), by their
  /// first three letters.
  private static let stemsByPrefix: [UInt32: [[UInt8]]] = {
    var table: [UInt32: [[UInt8]]] = [:]
    for stem in [
      "pass", "pwd", "private", "psk", "secret", "signature", "token", "key", "credential", "cookie", "encryption",
      "authorization", "rootpw", "kek", "otp",
    ] {
      let bytes = Array(stem.utf8)
      let prefix = UInt32(bytes[0]) << 16 | UInt32(bytes[1]) << 8 | UInt32(bytes[2])
      table[prefix, default: []].append(bytes)
    }
    return table
  }()

  public static func isSecretInput(_ members: [(key: String, value: JSONValue)]) -> Bool {
    guard let name = members.first(where: { $0.key == "name" })?.value, case .string(let text) = name else {
      return false
    }
    return members.contains { $0.key == "value" } && isSecretName(text)
  }

  /// Whether member `key` of an object with `members`, itself beneath a
  /// secret when `inherited`, holds a secret value.
  public static func isSecretMember(_ key: String, of members: [(key: String, value: JSONValue)], inherited: Bool)
    -> Bool
  {
    inherited || isSecretName(key) || (key == "value" && isSecretInput(members))
  }
}

extension Array {
  fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
