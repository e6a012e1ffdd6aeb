import CSystemShims
import SystemInterface

/// Starts scripts with their output on pipes of ours.
struct ScriptLauncher {
  /// A started script: its pid and the read ends of its stdout and stderr.
  struct Launched {
    let pid: pid_t
    let stdout: FileDescriptor
    let stderr: FileDescriptor
  }

  /// Why a script could not be started, and the status a shell gives for it.
  struct Failure: Error {
    let error: SystemError
    /// What bash, which runs scripts under dib-run-parts, returns: 127 when
    /// the file is gone, 126 otherwise.
    var shellStatus: Int32 { error.code == ENOENT ? 127 : 126 }
  }

  /// The environment scripts get.
  let environment: CStringArray
  /// The umask, directory and limits environment.d left, which scripts start with.
  let state: ShellState

  /// Starts `script` with new pipes on its stdout and stderr.
  func launch(_ script: Script) throws(Failure) -> Launched {
    let stdout: PipeEnds
    let stderr: PipeEnds
    do {
      stdout = try Self.outputPipe()
      stderr = try Self.outputPipe()
    } catch {
      throw Failure(error: error)
    }
    defer {
      stdout.writeEnd.close()
      stderr.writeEnd.close()
    }
    let redirections: [ProcessSpawner.Redirection] = [
      .init(source: stdout.writeEnd.rawValue, target: STDOUT_FILENO),
      .init(source: stderr.writeEnd.rawValue, target: STDERR_FILENO),
    ]
    do {
      let pid = try spawn(script.path, redirections: redirections)
      return Launched(pid: pid, stdout: stdout.readEnd, stderr: stderr.readEnd)
    } catch {
      throw Failure(error: error)
    }
  }

  /// Starts `path`; a file the kernel will not execute for want of a `#!`
  /// line is run by bash, as bash itself does for the commands it runs.
  private func spawn(_ path: String, redirections: [ProcessSpawner.Redirection]) throws(SystemError) -> pid_t {
    do {
      return try ProcessSpawner.spawn(
        path: path, arguments: CStringArray([path]), environment: environment, redirections: redirections,
        state: state)
    } catch  where error.code == ENOEXEC {
      return try ProcessSpawner.spawn(
        path: EnvironmentLoader.bash, arguments: CStringArray([EnvironmentLoader.bash, path]),
        environment: environment, redirections: redirections, state: state)
    }
  }

  /// A pipe whose read end is ours (non-blocking) and whose write end goes to
  /// a child, which gets an ordinary blocking pipe.
  static func outputPipe() throws(SystemError) -> PipeEnds {
    let pipe = try PipeEnds()
    pipe.readEnd.setNonBlocking()
    // A larger pipe (1 MiB instead of 64 KiB) lets a script that writes a
    // lot run ahead of us: fewer context switches and reads per byte.
    _ = orc_set_pipe_size(pipe.readEnd.rawValue, Int32(OutputPump.chunkSize))
    return pipe
  }
}
