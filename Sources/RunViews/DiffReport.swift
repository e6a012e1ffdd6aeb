import MetadataDocuments
import RefreshStore
import RefreshVocabulary
import RunForensics
import SystemInterface

/// `diff` for people, most important first: the runs' outcomes, inputs,
/// scripts, then output diffs.
public struct DiffReport {
  let comparison: RunComparison
  let outputs: [OutputDiff]
  let files: [FileDifference]

  /// The report of `comparison` with `outputs` and the watched `files` that differ.
  public init(comparison: RunComparison, outputs: [OutputDiff], files: [FileDifference] = []) {
    self.comparison = comparison
    self.outputs = outputs
    self.files = files
  }

  /// The report's lines.
  public var text: String {
    let from = comparison.from.summary
    let to = comparison.to.summary
    var lines: [String] = []
    if comparison.differentBaseDirectories {
      lines.append(
        "Note: the runs used different base directories: \(HumanFormat.safe(from.baseDirectory)) and \(HumanFormat.safe(to.baseDirectory))"
      )
    }
    lines.append("From run \(from.id): \(Self.outcome(from))")
    lines.append("To   run \(to.id): \(Self.outcome(to))")
    let uncompared = comparison.inputs.filter(\.secretsUncompared)
    guard !comparison.isEmpty || !outputs.isEmpty || !uncompared.isEmpty || !files.isEmpty else {
      lines.append("Nothing changed.")
      return lines.joined(separator: "\n") + "\n"
    }

    let inputs = comparison.inputs.filter { $0.change != .same || !$0.keys.isEmpty || $0.secretsUncompared }
    if !inputs.isEmpty {
      lines.append("")
      lines.append("Inputs")
      for input in inputs {
        var line = "  \(input.change.rawValue.padding(7))  \(HumanFormat.safe(input.path))"
        if input.kind == .environment { line += " (environment.d)" }
        if input.kind == .template { line += " (template)" }
        if let note = input.note, input.change != .same || !input.secretsUncompared { line += "  (\(note))" }
        if input.secretsUncompared {
          line += "  (secrets kept without a key, as <secret>: a change to one cannot be told)"
        }
        lines.append(line)
        lines += input.keys.map(Self.describe)
      }
    }

    if !comparison.environment.isEmpty {
      lines.append("")
      lines.append("Environment")
      for change in comparison.environment {
        let describe = { (failure: EnvironmentFailureRecord?) in
          failure.map { "failed in " + HumanFormat.environmentFailure($0) } ?? "sourced"
        }
        lines.append("  \(change.phase.rawValue): \(describe(change.from)) -> \(describe(change.to))")
      }
    }

    if !comparison.packages.isEmpty {
      lines.append("")
      lines.append("Packages (" + comparison.packageLogs.joined(separator: ", ") + ")")
      lines += HumanFormat.table(comparison.packages.map(Self.describe))
    }

    let scripts = comparison.scripts.filter { $0.change != .same }
    if !scripts.isEmpty {
      lines.append("")
      lines.append("Scripts")
      var rows: [[String]] = []
      for script in scripts {
        rows.append(["  \(script.phase.rawValue)/\(HumanFormat.safe(script.name))", Self.describe(script)])
      }
      lines += HumanFormat.table(rows)
    }

    if !files.isEmpty {
      lines.append("")
      lines.append("Files")
      lines += files.flatMap { Self.fileLines($0) }
    }

    for output in outputs {
      lines.append("")
      lines.append("Output of \(output.phase.rawValue)/\(output.name) (\(output.stream.rawValue))")
      lines += output.diff.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
        DisplayText.escaped(String($0))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// `+ key = value`, `- key (was value)`, `~ key: old -> new`; a secret's
  /// value never: `~ db_password: secret changed`.
  static func describe(_ key: KeyChange) -> String {
    let secret = key.secret && key.from == nil && key.to == nil
    let (name, from, to) = (
      HumanFormat.safe(key.key), HumanFormat.safe(summary(key.from)), HumanFormat.safe(summary(key.to))
    )
    switch key.change {
    case .added: return "      + \(name)" + (secret ? " (secret)" : " = \(to)")
    case .removed: return "      - \(name)" + (secret ? " (secret)" : " (was \(from))")
    case .changed:
      if secret { return "      ~ \(name): secret changed" }
      if key.secret && from == to { return "      ~ \(name): secret changed in \(to)" }
      return "      ~ \(name): \(from) -> \(to)"
    }
  }

  /// A value as one line: in full up to 160 characters; a larger object or
  /// list (an added deployment with its config) by its size, which
  /// `diff --json` gives in full.
  static func summary(_ value: JSONValue?) -> String {
    guard let value else { return "" }
    let text = value.text
    guard text.count > 160 else { return text }
    switch value {
    case .object(let members): return "{\(members.count) keys, \(text.utf8.count) bytes}"
    case .array(let items): return "[\(items.count) items, \(text.utf8.count) bytes]"
    default: return text
    }
  }

  /// `upgraded  libfoo1  1.2-1 -> 1.3-1  2026-12-03 10:00:01 UTC`.
  static func describe(_ change: PackageChange) -> [String] {
    let versions =
      switch change.action {
      case .installed: change.to ?? ""
      case .upgraded: (change.from ?? "?") + " -> " + (change.to ?? "?")
      case .removed: "(was " + (change.from ?? "?") + ")"
      }
    return [
      "  " + change.action.rawValue, HumanFormat.safe(change.name), HumanFormat.safe(versions),
      HumanFormat.localTime(microseconds: change.at),
    ]
  }

  /// `success`, `failed in configure/20-neutron (exit 3)`.
  static func outcome(_ run: RunSummary) -> String {
    var text = HumanFormat.status(run.status) + ", " + HumanFormat.localTime(microseconds: run.startedAt)
    let failure = HumanFormat.failure(run)
    if !failure.isEmpty { text += ", failed in \(failure)" }
    return text
  }

  static func describe(_ change: RunComparison.ScriptChange) -> String {
    switch change.change {
    case .added:
      return (change.notReached ? "not reached before, ran now" : "added") + (change.to.map { ", " + ending($0) } ?? "")
    case .removed: return change.notReached ? "not reached" : "removed"
    case .same: return "same"
    case .changed:
      var parts: [String] = []
      if change.contentChanged { parts.append("content changed") }
      if change.outcomeChanged, let old = change.from, let new = change.to {
        parts.append("\(ending(old)) -> \(ending(new))")
      }
      if change.durationChanged, let old = change.from, let new = change.to {
        let slower = (new.durationMicroseconds ?? 0) > (old.durationMicroseconds ?? 0)
        parts.append(
          "\(slower ? "slower" : "faster"): \(HumanFormat.duration(microseconds: old.durationMicroseconds)) -> \(HumanFormat.duration(microseconds: new.durationMicroseconds))"
        )
      }
      return parts.joined(separator: ", ")
    }
  }

  /// `success`, `failed (exit 3)`, `killed (SIGSEGV)`.
  static func ending(_ script: ScriptDetail) -> String {
    let how = HumanFormat.ending(script)
    return how.isEmpty || script.status == .success ? script.status.rawValue : "\(script.status.rawValue) (\(how))"
  }
}

extension String {
  /// The string padded with spaces to `width`.
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}

extension DiffReport {
  /// A watched file that differs: how, by how many lines, and its diff when asked for.
  static func fileLines(_ file: FileDifference) -> [String] {
    var notes: [String] = []
    if let added = file.linesAdded, let removed = file.linesRemoved { notes.append("+\(added) -\(removed)") }
    let record = (file.to ?? file.from)?.record
    if record?.secret == true { notes.append("secret: digest only") }
    if file.change == .metadata, let record {
      notes.append(
        "mode \(String(file.from?.record.state.mode ?? 0, radix: 8)) -> \(String(record.state.mode, radix: 8))")
    }
    let change = file.change.rawValue.padding(10)
    var lines = [
      "  " + change + HumanFormat.safe(file.path) + (notes.isEmpty ? "" : "  (" + notes.joined(separator: ", ") + ")")
    ]
    if let diff = file.diff {
      lines += diff.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
        "    " + DisplayText.escaped(String($0))
      }
    }
    return lines
  }
}
