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
    Migration(
      version: 1, fileName: "0001_initial.sql", sql: String(decoding: PackageResources._001_initial_sql, as: UTF8.self)),
    Migration(
      version: 2, fileName: "0002_content_references.sql",
      sql: String(decoding: PackageResources._002_content_references_sql, as: UTF8.self)),
    Migration(
      version: 3, fileName: "0003_pid_namespace.sql",
      sql: String(decoding: PackageResources._003_pid_namespace_sql, as: UTF8.self)),
    Migration(
      version: 4, fileName: "0004_scrub_secrets.sql",
      sql: String(decoding: PackageResources._004_scrub_secrets_sql, as: UTF8.self)),
    Migration(
      version: 5, fileName: "0005_input_source.sql",
      sql: String(decoding: PackageResources._005_input_source_sql, as: UTF8.self)),
  ]

  /// The schema version this binary writes.
  public static var latestVersion: Int { all.last?.version ?? 0 }
}
