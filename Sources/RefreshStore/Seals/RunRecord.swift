import ContentEncoding

/// A run's whole record in the seals' canonical encoding, digested.
///
/// Format 1: the label `orc-run-record/1`, then each section below in order:
/// its name and a zero byte, each row as `R` and its columns (each in
/// ``Statement/feed(_:into:)``'s encoding), and `E`. A stored content is
/// encoded as its SHA-256 (its bytes are checked against that digest
/// apart), so a record's digest costs no content read. Left out: row ids
/// and bookkeeping no one reads as the run's record (`logged_through`,
/// `log_seq`). A new column is a new format, never a silent change.
enum RunRecord {
  /// The format runs are sealed in now.
  static let format: Int64 = 1

  private static func content(_ column: String) -> String {
    "(SELECT sha256 FROM contents WHERE id = \(column))"
  }

  /// Each section: its name, and its rows for run ?1 (sealed at position ?2).
  static let sections: [(name: String, sql: String)] = [
    (
      "run",
      """
      SELECT id, started_at, finished_at, duration_us, status, exit_code, base_dir, hostname, pid, boot_id,
        process_start, version, command_line, planned_scripts, pid_namespace, trace_id, span_id, parent_span_id,
        trace_state, kernel
      FROM runs WHERE id = ?1
      """
    ),
    (
      "inputs",
      """
      SELECT kind, position, path, sha256, \(content("content_id")), error, source, chunked
      FROM run_inputs WHERE run_id = ?1 ORDER BY kind, position
      """
    ),
    (
      "input_chunks",
      """
      SELECT kind, position, seq, \(content("content_id"))
      FROM input_chunks WHERE run_id = ?1 ORDER BY kind, position, seq
      """
    ),
    (
      "phases",
      """
      SELECT name, position, status, started_at, finished_at, duration_us, environment_file, environment_exit_code,
        environment_signal, environment_output, environment_output_combined, environment_failed, span_id
      FROM phases WHERE run_id = ?1 ORDER BY position, name
      """
    ),
    (
      "scripts",
      """
      SELECT phase, name, path, position, sha256, \(content("content_id")), started_at, finished_at, duration_us,
        exit_code, signal, status, error, stdout_bytes, stdout_truncated, \(content("stdout_head")),
        \(content("stdout_tail")), stderr_bytes, stderr_truncated, \(content("stderr_head")),
        \(content("stderr_tail")), output_combined, output_terminal, span_id
      FROM scripts WHERE run_id = ?1 ORDER BY id
      """
    ),
    (
      "deployments",
      """
      SELECT position, phase, script, name, deployment_id, grp, action, status_code, signalled_at, stdout, stderr
      FROM deployments WHERE run_id = ?1 ORDER BY position
      """
    ),
    (
      "file_watch",
      "SELECT method, paths, complete, incomplete_reason, changes_lost FROM file_watches WHERE run_id = ?1"
    ),
    (
      "file_changes",
      """
      SELECT path, change, renamed_from, found, phase, script, by_refresh, seen_at, file_kind, size, mode, owner, grp,
        mtime_ns, sha256, \(content("content_id")), secret, binary, error
      FROM file_changes WHERE run_id = ?1 ORDER BY id
      """
    ),
    (
      // The prunes since the run before: retention's deletions are sealed too.
      "prunes",
      "SELECT last_position, last_run, chain, mac, pruned_at FROM seal_gaps WHERE sealed_by = ?2 ORDER BY last_position"
    ),
  ]

  /// The sections as `verify` reads them: each content's id as it is (its
  /// column named `content:…`), looked up in the digests it read once,
  /// instead of a lookup in `contents` for every reference.
  static let sectionsByContentID: [(name: String, sql: String)] = sections.map { section in
    (
      section.name,
      section.sql.replacing(#/\(SELECT sha256 FROM contents WHERE id = (\w+)\)/#) { match in
        "\(match.1) AS \"content:\(match.1)\""
      }
    )
  }

  /// The chain value of a record whose digest is `record`, after `previous`
  /// (32 zero bytes before the first run sealed).
  static func chain(previous: [UInt8], record: [UInt8]) -> [UInt8] {
    var hasher = SHA256Hasher()
    hasher.update(Array("orc-seal-chain/1".utf8) + previous + record)
    return hasher.finalize()
  }
}
