import QueueCore

/// The man page `queuectl.1` (roff, `-man` macros), rendered from the same definitions as
/// `--help` so the two never drift; `queuectl man` prints it and the committed file at the
/// repository root must equal it (HelpTests checks). No date or version in `.TH`: the text
/// depends only on the command definitions.
enum ManPage {
    static func render(_ commands: [any Command.Type]) -> String {
        var s = """
        .TH QUEUECTL 1 "" "queuectl" "User Commands"
        .nh
        .SH NAME
        queuectl \\- a background job queue kept in a spool directory
        .SH SYNOPSIS
        .B queuectl
        [\\fB\\-\\-spool\\fR \\fIDIR\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]
        .br
        .B queuectl
        \\fICOMMAND\\fR \\fB\\-\\-help\\fR
        .SH DESCRIPTION
        queuectl runs shell commands as background jobs. Its only storage and coordination is a
        directory tree, the spool: each job is a JSON file that moves between state directories
        (pending, processing, completed, failed, dead, held, waiting) by
        .BR rename (2).
        Workers on one or more hosts claim due jobs, run them with
        .BR sh (1),
        retry failures with exponential backoff and move jobs that used up their retries to the
        dead letter queue.
        .PP
        The spool is \\fB\\-\\-spool\\fR \\fIDIR\\fR, else \\fB$QUEUECTL_SPOOL\\fR, else
        \\fB$XDG_STATE_HOME/queuectl\\fR, else \\fI~/.local/state/queuectl\\fR.
        It is created on first use with mode 0700.
        .SH OPTIONS
        These come before the command.

        """
        s += options(GlobalOptions.all)
        s += ".SH COMMANDS\n"
        for node in CommandNode.all(commands) { s += command(node) }
        s += """
        .SH ENVIRONMENT
        .TP
        .B QUEUECTL_SPOOL
        The spool directory when \\fB\\-\\-spool\\fR is not given. Set but empty is an error (exit 2).
        .TP
        .B XDG_STATE_HOME
        The default spool is \\fI$XDG_STATE_HOME/queuectl\\fR when it is an absolute path.
        .TP
        .B QUEUECTL_HOST
        The host name workers register under (default: the system host name); lets several
        workers on one machine pose as separate hosts.
        .TP
        .B NO_COLOR
        When set (to anything), output carries no colours or other terminal escape sequences.
        .PP
        A job's command runs with \\fBQUEUECTL_JOB_ID\\fR, \\fBQUEUECTL_ATTEMPT\\fR and
        \\fBQUEUECTL_SPOOL\\fR in its environment.
        .SH FILES
        Under the spool directory (see \\fIspool\\-layout.md\\fR for the full contract):
        .TP
        .I pending/ failed/
        jobs waiting to run, and failed jobs waiting for their retry time,
        named \\fI<rank>.<due>.<id>.json\\fR so that claim order is name order
        .TP
        .I processing/
        claimed jobs, \\fI<worker\\-id>.<id>.json\\fR
        .TP
        .I completed/ dead/ held/ waiting/
        finished, dead (the dead letter queue), held and dependency\\-waiting jobs, \\fI<id>.json\\fR
        .TP
        .I ids/
        one marker per job id, reserving it
        .TP
        .I logs/
        each job's captured output, \\fI<id>.log\\fR
        .TP
        .I workers/
        worker registrations (the mtime is the heartbeat), stop requests and background worker logs
        .TP
        .I events/ archive/
        the event log and the archives of old finished jobs
        .TP
        .I config.json
        settings (\\fBqueuectl config\\fR)
        .TP
        .I paused
        present while the queue is paused
        .SH EXIT STATUS
        .TP
        .B 0
        success
        .TP
        .B 1
        the operation failed (for \\fBwait\\fR: a job ended dead or does not exist)
        .TP
        .B 2
        bad usage or invalid input; nothing was changed
        .TP
        .B 124
        \\fBwait \\-\\-timeout\\fR passed before the jobs finished
        .PP
        A job's own command reports through its exit code: 0 success; 75 (EX_TEMPFAIL) a
        temporary failure, retried as usual; 100 a permanent failure, moved straight to
        \\fIdead/\\fR without further retries; any other non\\-zero code (or a signal) is a
        failed attempt, retried as usual.
        .SH EXAMPLES
        .nf
        .RS
        queuectl enqueue \\-\\-command 'echo hello' \\-\\-max\\-retries 3
        queuectl worker start \\-\\-count 4 \\-\\-background
        queuectl status
        queuectl list \\-\\-state dead
        queuectl dlq retry \\-\\-all
        queuectl completion bash > /etc/bash_completion.d/queuectl
        .RE
        .fi
        .SH SEE ALSO
        .BR sh (1),
        .BR rename (2),
        .BR cron (8),
        .BR systemd.service (5)

        """
        return s
    }

    /// One command: a subsection with its usage, summary, description, options and examples.
    static func command(_ node: CommandNode) -> String {
        let t = node.type
        var s = ".SS \"\(node.fullName)\"\n"
        s += "\\fBqueuectl \(escape(node.fullName))\\fR" + (t.usage.isEmpty ? "" : " " + escape(t.usage)) + "\n.PP\n"
        s += text(t.summary.hasSuffix(".") ? t.summary : t.summary + ".")
        let description = t.abstract.trimmingSpaces
        if !description.isEmpty && !description.sameSentence(as: t.summary) { s += ".PP\n" + text(description) }
        if !t.options.isEmpty { s += options(t.options) }
        if !t.examples.isEmpty {
            s += ".PP\n" + (t.examples.count == 1 ? "Example:" : "Examples:") + "\n.PP\n.RS\n.nf\n"
            for e in t.examples { s += "queuectl \(escape(e))\n" }
            s += ".fi\n.RE\n"
        }
        return s
    }

    static func options(_ list: [OptionSpec]) -> String {
        var s = ""
        for o in list {
            s += ".TP\n" + o.names.map { "\\fB\(escape($0))\\fR" }.joined(separator: ", ")
                + (o.value.map { " \\fI\(escape($0))\\fR" } ?? "") + "\n"
            s += text(o.help + (o.defaultValue.map { " (default: \($0))" } ?? ""))
        }
        return s
    }

    /// Prose: each line trimmed and escaped; a line that would start with a control character
    /// is protected with `\&`.
    static func text(_ prose: String) -> String {
        var s = ""
        for raw in prose.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw).trimmingSpaces
            if line.isEmpty { continue }
            var e = escape(line)
            if e.hasPrefix(".") || e.hasPrefix("'") { e = "\\&" + e }
            s += e + "\n"
        }
        return s
    }

    /// Backslashes and minus signs for roff.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            default: out.append(c)
            }
        }
        return out
    }
}
