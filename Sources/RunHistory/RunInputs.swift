import MetadataDocuments
import RefreshRunner
import RefreshStore
import SystemInterface

/// A run's inputs as recorded: the metadata files, kept with every secret
/// value replaced by a keyed digest of itself, and the environment.d files,
/// digested only; and the secret values they hold, which stored output hides.
struct RunInputs {
  /// Metadata files larger than this are digested but not kept.
  static let contentLimit = 16 << 20

  /// Keep secret values in clear (`--store-secrets`).
  let storeSecrets: Bool
  /// The key secrets are digested under; nil when none can be had (then
  /// secrets are stored as `<secret>`, and content that may hold secrets
  /// has no digest).
  let secretKey: [UInt8]?

  /// The secret values of the metadata read so far (none with `--store-secrets`).
  private(set) var knownSecrets = KnownSecrets()
  /// The metadata documents read so far.
  private var documents: [JSONValue] = []

  /// Creates the recording of a run's inputs.
  init(storeSecrets: Bool, secretKey: [UInt8]?) {
    self.storeSecrets = storeSecrets
    self.secretKey = secretKey
  }

  /// The records of the metadata files the run's environment names and of
  /// the files of environment.d under `baseDirectory`.
  mutating func records(environment: [String: String], baseDirectory: String) -> [InputRecord] {
    var inputs: [InputRecord] = []
    for (path, source) in MetadataFiles.resolve(environment) {
      var record = metadata(path)
      record.source = source
      inputs.append(record)
    }
    for path in EnvironmentFiles.list(joinPath(baseDirectory, "environment.d")).paths {
      do {
        inputs.append(InputRecord(kind: .environment, path: path, sha256: try keyedDigest(of: path)))
      } catch {
        inputs.append(InputRecord(kind: .environment, path: path, sha256: nil, error: error.reason))
      }
    }
    if !storeSecrets { knownSecrets = KnownSecrets(from: documents) }
    return inputs
  }

  /// One metadata file's record: its content when it can be searched for
  /// secrets (JSON) and is small enough, secret values masked.
  private mutating func metadata(_ path: String) -> InputRecord {
    let bytes: [UInt8]
    do {
      let read = try SmallFile.read(path, limit: Self.contentLimit)
      guard read.complete else {
        // Too large to keep: digested all the same, in chunks, so a change
        // is still seen; the record says what was not kept.
        return InputRecord(
          kind: .config, path: path, sha256: try keyedDigest(of: path),
          error: "content not kept: larger than \(Self.contentLimit) bytes")
      }
      bytes = read.bytes
    } catch {
      return InputRecord(kind: .config, path: path, sha256: nil, error: error.reason)
    }
    guard !storeSecrets else {
      return InputRecord(kind: .config, path: path, sha256: ContentDigest.sha256Hex(bytes), content: bytes)
    }
    guard let json = JSONValue.parse(bytes) else {
      // Not JSON: it cannot be searched for secrets, so it is not kept.
      return InputRecord(kind: .config, path: path, sha256: keyedDigest(of: bytes), content: nil)
    }
    documents.append(json)
    guard SecretPolicy.holdsSecrets(json) else {
      return InputRecord(kind: .config, path: path, sha256: ContentDigest.sha256Hex(bytes), content: bytes)
    }
    // Each secret value becomes a keyed digest of itself: equal values
    // compare equal within this node, and nothing confirms a guess.
    let masked = SecretPolicy.masking(json, token: SecretDigests(key: secretKey).token)
    return InputRecord(kind: .config, path: path, sha256: keyedDigest(of: bytes), content: Array(masked.text.utf8))
  }

  /// The digest kept of content that may hold secrets: keyed, unless secrets are stored.
  private func keyedDigest(of bytes: [UInt8]) -> String? {
    if storeSecrets { return ContentDigest.sha256Hex(bytes) }
    return SecretDigests(key: secretKey).digest(bytes)
  }

  private func keyedDigest(of path: String) throws(SystemError) -> String? {
    if storeSecrets { return try FileDigest.sha256(path) }
    guard let secretKey else { return nil }
    return try FileDigest.hmacSHA256(path, key: secretKey)
  }
}
