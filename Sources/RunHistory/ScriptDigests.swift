import CSystemShims
import ContentEncoding
import MetadataDocuments
import RefreshRunner
import RefreshStore
import SecretHiding
import SystemInterface

/// A script's digest and content for its start record: remembered from an
/// earlier run when the file's identity (device, inode, size, times) has not
/// changed since, else read and hashed now; a large file in chunks, its
/// content not kept, giving up when the run must end.
struct ScriptDigests {
  /// Script contents larger than this are hashed but not kept.
  static let contentLimit = 1 << 20

  /// The run's deadline, if it has one: hashing gives up past it.
  var deadline: MonotonicInstant?
  /// Raised when the run must stop: hashing gives up then too.
  var termination: TerminationNotice?
  /// The run's known secret values: hidden in the kept content (a password
  /// a deployment's script repeats), never in the digest.
  var knownSecrets = KnownSecrets()
  /// Digests of scripts as last read, by path (loaded when the run starts).
  private let remembered: [String: (identity: FileIdentity, sha256: String)]
  private let clock: RunClock

  /// Digests remembering `remembered`, timed by `clock`.
  init(remembered: [String: (identity: FileIdentity, sha256: String)], clock: RunClock) {
    self.remembered = remembered
    self.clock = clock
  }

  /// Fills `start`'s digest, content and identity for the script at `path`.
  func fill(_ start: inout ScriptStart, path: String) {
    let identity = FileIdentity.of(path)
    if let identity, let known = remembered[path], known.identity == identity {
      start.sha256 = known.sha256
      start.contentByDigest = identity.size <= Self.contentLimit
      return
    }
    guard let contents = try? SmallFile.read(path, limit: Self.contentLimit) else { return }
    start.sha256 =
      contents.complete
      ? ContentDigest.sha256Hex(contents.bytes)
      : (try? FileDigest.sha256(path, shouldStop: mustStop)) ?? nil
    start.content = contents.complete ? hidingSecrets(contents.bytes) : nil
    // Remembered only when the file did not change while it was read, and
    // last changed well before: file times advance in clock ticks, so a
    // write in the same tick as our read could leave them as they were
    // (git's "racy clean" case).
    let settled = (identity?.changedNanoseconds ?? .max) < clock.wallMicroseconds() &* 1000 &- 2_000_000_000
    if settled, identity == FileIdentity.of(path) { start.identity = identity }
  }

  /// `bytes` with each known secret value replaced by `<secret>`.
  private func hidingSecrets(_ bytes: [UInt8]) -> [UInt8] {
    let found = knownSecrets.ranges(in: bytes)
    guard !found.isEmpty else { return bytes }
    return OutputRedactor.replacing(
      OutputRedactor.merged(found), of: bytes, in: 0..<bytes.count, with: Array(SecretPolicy.maskedText.utf8))
  }

  /// Whether hashing a large script must give up: the run's deadline has
  /// passed or a termination signal waits (blocked in this thread, read by
  /// the runner once the script would start). The script then has no digest.
  private func mustStop() -> Bool {
    if let deadline, clock.monotonicNanoseconds() >= deadline { return true }
    return termination?.isRaised ?? false
  }
}
