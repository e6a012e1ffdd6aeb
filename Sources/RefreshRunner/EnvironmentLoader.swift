import RefreshVocabulary
import SystemInterface

/// What sourcing the environment.d files gave.
enum EnvironmentLoad {
  /// Every file was sourced; scripts get this environment.
  case loaded(ProcessEnvironment)
  /// Sourcing failed in `file` (nil when bash failed before the first one).
  case failed(file: String?, exit: ChildExit)
  /// bash could not be started.
  case notStarted(SystemError)
}

/// Sources environment.d files in bash, as dib-run-parts does (`set -eu`,
/// `pipefail`), and returns what they export.
///
/// bash prints the exported variables to a pipe on descriptor 3 before and
/// after sourcing, NUL-separated; the difference is applied to our own
/// environment, so bash's own variables (`SHLVL`, `_`) do not leak into scripts
/// and nothing is traced: unlike dib-run-parts' `set -x`, no value reaches
/// the log. The files' own output goes to our stdout and stderr.
enum EnvironmentLoader {
  static let bash = "/bin/bash"

  static let script = """
    set -eu -o pipefail
    __orc_dump() {
      local __orc_name
      for __orc_name in $(compgen -e); do
        if [[ -v $__orc_name ]]; then printf '%s=%s\\0' "$__orc_name" "${!__orc_name}"; fi
      done
      printf '\\0'
    }
    __orc_dump >&3
    __orc_files=("$@")
    set --
    for __orc_file in "${__orc_files[@]}"; do
      printf '>%s\\0' "$__orc_file" >&3
      source "$__orc_file" 3>&-
    done
    unset __orc_file __orc_files
    __orc_dump >&3
    """

  static func load(
    files: [String],
    into environment: ProcessEnvironment,
    supervisor: ChildSupervisor,
    deadline: MonotonicInstant?,
    onTimeout: () -> Void
  ) -> EnvironmentLoad {
    let report: PipeEnds
    let pid: pid_t
    do {
      report = try ScriptLauncher.outputPipe()
      defer { report.writeEnd.close() }
      pid = try ProcessSpawner.spawn(
        path: bash,
        arguments: CStringArray([bash, "-c", script, "os-refresh-config"] + files),
        environment: CStringArray(environment.entries),
        redirections: [.init(source: report.writeEnd.rawValue, target: 3)]
      )
    } catch {
      return .notStarted(error)
    }
    var collected: [UInt8] = []
    let exit = supervisor.wait(
      for: pid,
      streams: [
        ChildStream(source: report.readEnd, passThrough: nil, deliver: { collected.append(contentsOf: $0) })
      ],
      deadline: deadline,
      onTimeout: onTimeout
    )
    let records = parse(collected)
    guard exit.termination.isSuccess, exit.interruptedBy == nil, let after = records.after else {
      return .failed(file: records.lastFile, exit: exit)
    }
    return .loaded(environment.applying(from: records.before, to: after))
  }

  struct Records {
    var before: [String: String] = [:]
    var after: [String: String]?
    var lastFile: String?
  }

  /// Parses `before NUL… NUL (>file NUL)* after NUL… NUL`.
  static func parse(_ bytes: [UInt8]) -> Records {
    var records = Records()
    var section = 0
    var current: [String: String] = [:]
    // Every record ends in NUL, so the last split field is the empty remainder.
    for field in bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast() {
      if field.isEmpty {
        if section == 0 {
          records.before = current
        } else if section == 1 {
          records.after = current
        }
        current = [:]
        section += 1
        continue
      }
      let text = String(decoding: field, as: UTF8.self)
      if field.first == UInt8(ascii: ">") {
        records.lastFile = String(text.dropFirst())
        continue
      }
      let (name, value) = ProcessEnvironment.split(text)
      if name != "_" { current[name] = value }
    }
    return records
  }
}
