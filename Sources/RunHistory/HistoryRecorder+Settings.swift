import RefreshStore
import SecretHiding

extension HistoryRecorder {
  /// What the recorder needs to know besides the events.
  public struct Settings: Sendable {
    /// Bytes kept at each end of each output stream.
    public var maxOutput: Int
    /// Scripts found in the four phases when the run starts.
    public var plannedScripts: Int
    /// Our version, for the record.
    public var version: String
    /// Runs kept when the run ends (0 keeps all).
    public var keepRuns: Int
    /// Applied to captured output before it is stored.
    public var redactor: OutputRedactor?
    /// The database file's byte budget (0: none), kept at the end of each run.
    public var maxDatabaseBytes = Retention.defaultMaxBytes
    /// Keep secret values of the metadata in clear (`--store-secrets`).
    public var storeSecrets = false
    /// The database's key secrets are digested under; nil when it cannot be
    /// had (then secrets are stored as `<secret>`, without a digest).
    public var secretKey: [UInt8]?
    /// Whether the audit is mandatory (`--require-history`): when the start
    /// of the run or of a script cannot be recorded, the run stops.
    public var required = false
    /// The files watched, or nil (`--no-watch`).
    public var watch: FileWatchSettings?

    /// Creates settings.
    public init(
      maxOutput: Int, plannedScripts: Int, version: String, keepRuns: Int = Retention.defaultKeepRuns,
      redactor: OutputRedactor? = nil
    ) {
      self.maxOutput = maxOutput
      self.plannedScripts = plannedScripts
      self.version = version
      self.keepRuns = keepRuns
      self.redactor = redactor
    }
  }
}
