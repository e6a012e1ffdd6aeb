import ContentEncoding
import MetadataDocuments
import RefreshStore
import SecretHiding
import SystemInterface

/// Rewrites what earlier versions stored in clear under today's secret
/// policy, run by run in short batches: metadata with secrets (and the
/// unsalted hashes `--redact-metadata` kept) becomes keyed digests, metadata
/// that is not JSON is dropped (its digest keyed), and `--redact` values
/// leave the command lines. Idempotent: what is already a keyed digest is
/// kept as it is, so an unchanged secret compares equal across the upgrade.
public enum SecretScrub {
  /// A batch's bounds: at most this many runs, and no run begun once this
  /// much time has passed (one transaction each, so a refresh or reader
  /// beside it waits no longer; a run of 116 KB metadata takes about 20 ms).
  static let batchRuns = 64
  static let batchNanoseconds: Int64 = 30_000_000

  /// Scrubs batch after batch until done or `budgetNanoseconds` have
  /// passed; `progress` is told where it stands after each batch, and how
  /// long the batch took (nanoseconds). Returns where it stands, nil once done.
  @discardableResult
  public static func run(
    _ store: HistoryStore, key: [UInt8]?, budgetNanoseconds: Int64 = .max,
    progress: (HistoryStore.ScrubProgress?, Int64) -> Void = { _, _ in }
  ) throws -> HistoryStore.ScrubProgress? {
    let secrets = SecretDigests(key: key)
    let clock = RunClock()
    let start = clock.monotonicNanoseconds()
    var standing = store.scrubProgress
    while standing != nil {
      let batchStart = clock.monotonicNanoseconds()
      standing = try store.scrubBatch(
        maxRuns: batchRuns, enough: { clock.monotonicNanoseconds() - batchStart >= batchNanoseconds },
        content: { content($0, digest: $1, secrets: secrets) }, commandLine: commandLine)
      progress(standing, clock.monotonicNanoseconds() - batchStart)
      if clock.monotonicNanoseconds() - start >= budgetNanoseconds { break }
    }
    // The overwritten pages are in the write-ahead log: copied over the
    // old ones in the file now, and the log emptied.
    store.checkpoint()
    return standing
  }

  /// What one stored metadata file (`bytes`, with its stored `digest`) becomes.
  static func content(_ bytes: [UInt8], digest: String?, secrets: SecretDigests) -> HistoryStore.ScrubbedContent {
    guard let json = JSONValue.parse(bytes) else {
      return .init(bytes: .some(nil), digest: .some(secrets.digest(bytes)))
    }
    // Masked when recorded, the stored digest is the file's keyed one
    // already (with its prefix, or given it now: migration 0012 left it to
    // us). Stored in clear, the bytes are the file's: their keyed digest is
    // what a refresh records for it today.
    let maskedWhenRecorded = CredentialSpans.find(Array("<secret".utf8), in: bytes, from: 0) != nil
    let keyedDigest: String?? =
      maskedWhenRecorded
      ? digest.flatMap { $0.hasPrefix(ContentDigest.keyedPrefix) ? nil : .some(ContentDigest.keyedPrefix + $0) }
      : .some(secrets.digest(bytes))
    let repeated = secrets.key.map { RepeatedSecrets.plaintexts(in: json, key: $0) } ?? []
    let spans = SecretPolicy.spans(for: [json], alsoKnown: repeated)
    let masked = SecretPolicy.masking(json, spans: spans) { value in
      RepeatedSecrets.isStoredToken(value) ? value : secrets.token(value)
    }
    guard masked != json else { return .init(bytes: .none, digest: maskedWhenRecorded ? keyedDigest : .none) }
    return .init(bytes: .some(Array(masked.text.utf8)), digest: keyedDigest)
  }

  /// A command line without its `--redact` values; nil when it has none.
  static func commandLine(_ line: String) -> String? {
    guard line.contains("--redact"), case .array(let values)? = JSONValue.parse(Array(line.utf8)) else {
      return nil
    }
    let arguments = values.compactMap { value -> String? in
      if case .string(let text) = value { return text }
      return nil
    }
    let masked = JSONText.array(CommandLineMask.masked(arguments))
    return masked == line ? nil : masked
  }
}
