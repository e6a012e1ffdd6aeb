import ContentEncoding
import MetadataDocuments
import RefreshRunner
import RefreshStore
import SecretHiding
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

  /// Creates the recording of a run's inputs.
  init(storeSecrets: Bool, secretKey: [UInt8]?) {
    self.storeSecrets = storeSecrets
    self.secretKey = secretKey
  }

  /// The records of the metadata files the run's environment names, of
  /// the files of environment.d under `baseDirectory` and, with
  /// `templates`, of the os-apply-config templates the environment names.
  mutating func records(environment: [String: String], baseDirectory: String, templates: Bool = true)
    -> [InputRecord]
  {
    var inputs: [InputRecord] = []
    // Read and parsed first, masked after: a secret of one file repeated
    // inside a value of another is hidden there too.
    var parsed: [Document] = []
    for (path, source) in MetadataFiles.resolve(environment) {
      var record: InputRecord
      switch metadata(path) {
      case .record(let complete): record = complete
      case .document(let bytes, let json):
        record = InputRecord(kind: .config, path: path, sha256: nil)
        parsed.append(Document(index: inputs.count, bytes: bytes, json: json))
      }
      record.source = source
      inputs.append(record)
    }
    let secretValues = keep(parsed, in: &inputs)
    for path in EnvironmentFiles.list(joinPath(baseDirectory, "environment.d")).paths {
      do {
        var record = InputRecord(kind: .environment, path: path, sha256: try keyedDigest(of: path))
        // Never the file (it may set secrets): the keys it reads, which
        // every script's environment may carry, as `why` needs them.
        let text = try SmallFile.read(path, limit: 1 << 20).bytes
        let keys = ApplyConfigKeys.keys(in: String(decoding: text, as: UTF8.self))
        if !keys.isEmpty { record.content = Array(keys.joined(separator: "\n").utf8) }
        inputs.append(record)
      } catch {
        inputs.append(InputRecord(kind: .environment, path: path, sha256: nil, error: error.reason))
      }
    }
    if templates { inputs += TemplateInputs.records(root: TemplateInputs.root(environment: environment)) }
    if !storeSecrets { knownSecrets = KnownSecrets(values: secretValues) }
    return inputs
  }

  /// A metadata document read: its JSON built, or nil when it names no
  /// secret word (then it is only built if its text may hold a credential).
  struct Document {
    let index: Int
    let bytes: [UInt8]
    let json: JSONValue?
  }

  /// Fills the records of `documents` in `inputs`: each kept as read when
  /// it holds no secret, else masked. Returns the secret values masked.
  private func keep(_ documents: [Document], in inputs: inout [InputRecord]) -> [[UInt8]] {
    let leaves = documents.map { $0.json.map(SecretPolicy.secretLeaves(of:)) ?? [] }
    let spans = CredentialSpans(known: leaves.joined().map(SecretPolicy.leafBytes))
    var secretValues: [[UInt8]] = []
    for (document, documentLeaves) in zip(documents, leaves) {
      guard !documentLeaves.isEmpty || Self.mayHoldCredentials(document.bytes, spans: spans) else {
        // Nothing to mask: kept as read, without rebuilding the document.
        (inputs[document.index].sha256, inputs[document.index].content) = (
          ContentDigest.sha256Hex(document.bytes), document.bytes
        )
        continue
      }
      guard let json = document.json ?? JSONValue.parse(document.bytes) else {
        // Not JSON after all: it cannot be searched for secrets, so it is not kept.
        inputs[document.index].sha256 = keyedDigest(of: document.bytes)
        continue
      }
      let masked = mask(document.bytes, json, spans: spans)
      (inputs[document.index].sha256, inputs[document.index].content) = (masked.sha256, masked.content)
      secretValues += masked.secrets
    }
    return secretValues
  }

  /// Whether a document with no secret-named value may still hold a
  /// credential inside a value (by shape, or a known secret of another
  /// document): its text, as written, is searched once. Its values are the
  /// text's strings verbatim unless escaped, so the answer is exact but for
  /// escapes that could hide a credential (`\/`, `\u`; a known secret with
  /// a quote or backslash), which send it the long way: masked value by value.
  static func mayHoldCredentials(_ bytes: [UInt8], spans: CredentialSpans) -> Bool {
    let backslash = UInt8(ascii: "\\")
    for index in bytes.indices.dropLast() where bytes[index] == backslash {
      let next = bytes[index + 1]
      if next == UInt8(ascii: "/") || next == UInt8(ascii: "u") { return true }
    }
    if spans.known.contains(where: { $0.contains { $0 == UInt8(ascii: "\"") || $0 == backslash || $0 < 0x20 } }) {
      return true
    }
    return !spans.ranges(in: bytes).isEmpty
  }

  /// A metadata file as read: a finished record, or a JSON document to mask
  /// (not built when it names no secret word).
  private enum ReadMetadata {
    case record(InputRecord)
    case document([UInt8], JSONValue?)
  }

  /// One metadata file's record, or its document when it can be searched
  /// for secrets (JSON) and is small enough.
  private func metadata(_ path: String) -> ReadMetadata {
    let bytes: [UInt8]
    do {
      let read = try SmallFile.read(path, limit: Self.contentLimit)
      guard read.complete else {
        // Too large to keep: digested all the same, in chunks, so a change
        // is still seen; the record says what was not kept.
        return .record(
          InputRecord(
            kind: .config, path: path, sha256: try keyedDigest(of: path),
            error: "content not kept: larger than \(Self.contentLimit) bytes"))
      }
      bytes = read.bytes
    } catch {
      return .record(InputRecord(kind: .config, path: path, sha256: nil, error: error.reason))
    }
    guard !storeSecrets else {
      return .record(
        InputRecord(kind: .config, path: path, sha256: ContentDigest.sha256Hex(bytes), content: bytes))
    }
    // A text that names no secret word holds no secret by name: its
    // structure is checked, and it is built only if a credential may hide
    // in a value.
    if !SecretPolicy.mayNameSecrets(bytes), JSONSkim(bytes).root != nil { return .document(bytes, nil) }
    guard let json = JSONValue.parse(bytes) else {
      // Not JSON: it cannot be searched for secrets, so it is not kept.
      return .record(InputRecord(kind: .config, path: path, sha256: keyedDigest(of: bytes), content: nil))
    }
    return .document(bytes, json)
  }

  /// A metadata document's digest and kept content: as read when it holds
  /// no secret; else each secret value, and each credential inside a value,
  /// becomes a keyed digest of itself (equal values compare equal within
  /// this node, and nothing confirms a guess) and the file's digest is keyed.
  /// One pass: the secrets it replaced are what stored output will hide.
  private func mask(_ bytes: [UInt8], _ json: JSONValue, spans: CredentialSpans) -> (
    sha256: String?, content: [UInt8], secrets: [[UInt8]]
  ) {
    var secrets: [[UInt8]] = []
    let digests = SecretDigests(key: secretKey)
    let masked = SecretPolicy.masking(json, spans: spans) { secret in
      secrets.append(SecretPolicy.leafBytes(secret))
      return digests.token(secret)
    }
    guard !secrets.isEmpty else { return (ContentDigest.sha256Hex(bytes), bytes, []) }
    return (keyedDigest(of: bytes), Array(masked.text.utf8), secrets)
  }

  /// The digest kept of content that may hold secrets: keyed, unless secrets are stored.
  private func keyedDigest(of bytes: [UInt8]) -> String? {
    if storeSecrets { return ContentDigest.sha256Hex(bytes) }
    return SecretDigests(key: secretKey).digest(bytes)
  }

  private func keyedDigest(of path: String) throws(SystemError) -> String? {
    if storeSecrets { return try FileDigest.sha256(path) }
    guard let secretKey else { return nil }
    return ContentDigest.keyedPrefix + (try FileDigest.hmacSHA256(path, key: secretKey))
  }
}
