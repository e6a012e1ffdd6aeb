import ContentEncoding
import RefreshRunner
import RefreshStore
import RunHistory
import SystemInterface

/// The verbs that write a history by hand (`history migrate`, `history
/// prune`): unlike the readers, they migrate an older schema.
public enum HistoryMaintenance {
  /// Opens the existing history at `path` for writing, migrated to the
  /// latest schema (a missing one is an error, never made). Returns the
  /// store and the version it had.
  public static func open(at path: String) throws -> (store: HistoryStore, foundVersion: Int) {
    guard let found = try HistoryStore.schemaVersionOnDisk(at: path), found > 0 else {
      throw StoreError.noDatabase(path: path)
    }
    let store = try HistoryStore.openForRecording(at: path, now: RunClock().wallMicroseconds()).store
    try store.prepareForRun(isAlive: ProcessIdentity.isAlive)
    return (store, found)
  }

  /// `history migrate`: the schema brought to the latest, then the whole of
  /// a pending scrub, batch by batch, its progress told to `report` at most
  /// once a second and when done. Safe beside a running refresh: each batch
  /// is a transaction of its own.
  public static func migrate(at path: String, report: (String) -> Void) throws {
    let (store, found) = try open(at: path)
    report(
      found < Migration.latestVersion
        ? "history schema \(found) upgraded to \(Migration.latestVersion)"
        : "history schema \(found): up to date")
    guard let before = store.scrubProgress else { return }
    let key = try store.secretKey().key
    let clock = RunClock()
    var reported = clock.monotonicNanoseconds()
    var (batches, longest) = (0, Int64(0))
    try SecretScrub.run(store, key: key) { standing, took in
      (batches, longest) = (batches + 1, max(longest, took))
      guard let standing, clock.monotonicNanoseconds() - reported >= 1_000_000_000 else { return }
      reported = clock.monotonicNanoseconds()
      report(RecordingSession.scrubProgressLine(before: before, after: standing, byRefreshes: false))
    }
    let milliseconds = "\(longest / 1_000_000).\(longest / 100_000 % 10)"
    report(
      RecordingSession.scrubProgressLine(before: before, after: nil)
        + " (\(batches) batch\(batches == 1 ? "" : "es"), the longest \(milliseconds) ms)")
  }

  /// The initial seal verification key in `path`: 64 hex digits, white
  /// space around them aside; nil when the file holds anything else.
  public static func verificationKey(in path: String) throws -> [UInt8]? {
    let (bytes, _) = try SmallFile.read(path, limit: 256)
    let space = Set(" \t\r\n".utf8)
    let digits = bytes.filter { !space.contains($0) }
    guard digits.count == 64 else { return nil }
    return ContentDigest.bytes(fromHex: String(decoding: digits, as: UTF8.self))
  }

  /// `history seal-key`: prints the initial seal verification key once, in
  /// hex, and takes it off the node. False when it could not be printed.
  public static func printInitialSealKey(at path: String) throws -> Bool {
    let store = try open(at: path).store
    return try store.showInitialSealKey(now: RunClock().wallMicroseconds()) { key in
      writeFully(1, ContentDigest.hex(key) + "\n")
    }
  }
}
