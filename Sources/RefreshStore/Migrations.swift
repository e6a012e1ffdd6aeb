/// A schema migration: `migrations/NNNN_name.sql`, embedded in the binary.
public struct Migration: Sendable {
  /// The version the database has once it is applied (NNNN).
  public let version: Int
  /// The file name in `migrations/`.
  public let fileName: String
  /// The SQL it runs.
  public let sql: String
}

extension Migration {
  /// Every migration, in order; `migrations/` is the single source of truth
  /// and a test checks this list and each file's bytes against it.
  public static let all: [Migration] = [
    embedded("0001_initial.sql", PackageResources._001_initial_sql),
    embedded("0002_content_references.sql", PackageResources._002_content_references_sql),
    embedded("0003_pid_namespace.sql", PackageResources._003_pid_namespace_sql),
    embedded("0004_scrub_secrets.sql", PackageResources._004_scrub_secrets_sql),
    embedded("0005_input_source.sql", PackageResources._005_input_source_sql),
    embedded(
      "0006_channels_and_environment_failures.sql", PackageResources._006_channels_and_environment_failures_sql),
    embedded("0007_pending_log.sql", PackageResources._007_pending_log_sql),
    embedded("0008_file_digests.sql", PackageResources._008_file_digests_sql),
    embedded("0009_input_chunks.sql", PackageResources._009_input_chunks_sql),
    embedded(
      "0010_trace_context_and_run_totals.sql", PackageResources._010_trace_context_and_run_totals_sql),
    embedded(
      "0011_scrub_credentials_in_values.sql", PackageResources._011_scrub_credentials_in_values_sql),
    embedded("0012_keyed_input_digests.sql", PackageResources._012_keyed_input_digests_sql),
    embedded("0013_templates_and_kernel.sql", PackageResources._013_templates_and_kernel_sql),
    embedded("0014_deployments.sql", PackageResources._014_deployments_sql),
    embedded("0015_scrub_in_batches.sql", PackageResources._015_scrub_in_batches_sql),
    embedded("0016_file_changes.sql", PackageResources._016_file_changes_sql),
    embedded("0017_run_seals.sql", PackageResources._017_run_seals_sql),
    embedded("0018_vocabulary_checks.sql", PackageResources._018_vocabulary_checks_sql),
  ]

  /// A migration embedded in the binary; its version is its file name's NNNN
  /// (the migration test checks every file and version against the folder).
  private static func embedded(_ fileName: String, _ bytes: [UInt8]) -> Migration {
    Migration(version: Int(fileName.prefix(4)) ?? 0, fileName: fileName, sql: String(decoding: bytes, as: UTF8.self))
  }

  /// Whether it edits tables' definitions in place (`PRAGMA
  /// writable_schema`), SQLite's way of changing a constraint without
  /// rebuilding a table: the migrator then moves the schema's version on.
  var editsSchemaInPlace: Bool { sql.contains("PRAGMA writable_schema = ON") }

  /// The schema version this binary writes.
  public static var latestVersion: Int { all.last?.version ?? 0 }
}
