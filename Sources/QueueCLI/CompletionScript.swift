import QueueCore

/// Shell completion scripts (`queuectl completion bash|zsh|fish`), rendered from the commands'
/// definitions: subcommands, options, option values (state names, config keys, files) and job
/// ids. Job ids come from `ls` of the spool's `ids/` directory (one marker per job), at most
/// 200, so completing stays cheap on a large spool; the spool is the one on the command line
/// (`--spool DIR`), else `$QUEUECTL_SPOOL`, else the default.
enum CompletionScript {
    static let shells = ["bash", "zsh", "fish"]

    static func render(_ shell: String, _ commands: [any Command.Type]) -> String? {
        switch shell {
        case "bash": return bash(commands)
        case "zsh": return zsh(commands)
        case "fish": return FishCompletion.render(commands)
        default: return nil
        }
    }

    static let maxIDs = 200

    static var stateNames: String { JobState.allCases.map(\.rawValue).joined(separator: " ") }
    static var configKeys: String { Config.keys.map { $0.name }.joined(separator: " ") }

    static func kindWord(_ k: ValueKind) -> String {
        switch k {
        case .none: return ""
        case .state: return "state"
        case .configKey: return "key"
        case .jobID: return "id"
        case .file: return "file"
        case .text, .choices: return "text"
        }
    }

    /// The POSIX-shell core shared by bash and zsh: `_queuectl_candidates CUR WORDS...` prints
    /// the candidates for CUR (one per line, unfiltered) or `@file` for file names.
    static func core(_ commands: [any Command.Type]) -> String {
        let nodes = CommandNode.all(commands)
        var optKinds = ""
        for n in nodes {
            for o in n.type.options where o.value != nil {
                for name in o.names { optKinds += "    \"\(n.fullName)|\(name)\") echo \(kindWord(o.kind)) ;;\n" }
            }
        }
        var groups = ""
        for n in nodes where !n.type.subcommands.filter({ !$0.hidden }).isEmpty {
            let subs = n.type.subcommands.filter { !$0.hidden }.map { $0.name }.joined(separator: "|")
            groups += "          \"\(n.fullName)\") case \"$w\" in \(subs)) cmdpath=\"$cmdpath $w\"; prev=\"$w\"; continue ;; esac ;;\n"
        }
        var optionWords = "    \"\") words=\"\(GlobalOptions.all.flatMap(\.names).joined(separator: " "))\" ;;\n"
        var argWords = "    \"\") words=\"\(nodes.filter { $0.path.count == 1 }.map { $0.fullName }.joined(separator: " "))\" ;;\n"
        for n in nodes {
            let names = (n.type.options + [OptionSpec.help]).flatMap(\.names).joined(separator: " ")
            optionWords += "    \"\(n.fullName)\") words=\"\(names)\" ;;\n"
            let subs = n.type.subcommands.filter { !$0.hidden }
            if !subs.isEmpty {
                argWords += "    \"\(n.fullName)\") words=\"\(subs.map { $0.name }.joined(separator: " "))\" ;;\n"
            } else if case .choices(let words) = n.type.arguments {
                argWords += "    \"\(n.fullName)\") words=\"\(words.joined(separator: " "))\" ;;\n"
            } else if n.type.arguments != .none {
                argWords += "    \"\(n.fullName)\") kind=\(kindWord(n.type.arguments)) ;;\n"
            }
        }
        return """
        _queuectl_optkind() {
          case "$1|$2" in
            "|--spool") echo file ;;
        \(optKinds)  esac
        }

        _queuectl_ids() {
          command ls -1 "$1/ids" 2>/dev/null | head -n \(maxIDs)
        }

        _queuectl_candidates() {
          local cur="$1" prev="" cmdpath="" spool="${QUEUECTL_SPOOL:-}" w npos=0 kind="" words=""
          [ -n "${ZSH_VERSION:-}" ] && setopt localoptions shwordsplit
          shift
          for w in "$@"; do
            if [ -n "$prev" ] && [ -n "$(_queuectl_optkind "$cmdpath" "$prev")" ]; then
              [ -z "$cmdpath" ] && [ "$prev" = "--spool" ] && spool="$w"
              prev=""
              continue
            fi
            case "$w" in
              --spool=*) [ -z "$cmdpath" ] && spool="${w#--spool=}" ;;
              -*) ;;
              *)
                if [ -z "$cmdpath" ]; then
                  cmdpath="$w"; prev="$w"; continue
                fi
                case "$cmdpath" in
        \(groups)        esac
                npos=$((npos + 1)) ;;
            esac
            prev="$w"
          done
          [ -n "$spool" ] || spool="${XDG_STATE_HOME:-$HOME/.local/state}/queuectl"
          if [ -n "$prev" ]; then kind="$(_queuectl_optkind "$cmdpath" "$prev")"; fi
          if [ -z "$kind" ]; then
            case "$cur" in
              -*)
                case "$cmdpath" in
        \(optionWords)        esac
                printf '%s\\n' $words
                return 0 ;;
            esac
            case "$cmdpath" in
        \(argWords)    esac
            [ "$kind" = key ] && [ "$npos" -gt 0 ] && kind=""
          fi
          case "$kind" in
            state) words="\(stateNames)" ;;
            key) words="\(configKeys)" ;;
            id) _queuectl_ids "$spool"; return 0 ;;
            file) echo @file; return 0 ;;
            text) return 0 ;;
          esac
          printf '%s\\n' $words
        }

        """
    }

    static func bash(_ commands: [any Command.Type]) -> String {
        """
        # bash completion for queuectl, generated by `queuectl completion bash`.
        # Load it with: source <(queuectl completion bash)
        # or install it as /usr/share/bash-completion/completions/queuectl.

        \(core(commands))
        _queuectl() {
          local cur="${COMP_WORDS[COMP_CWORD]}" c
          c="$(_queuectl_candidates "$cur" "${COMP_WORDS[@]:1:COMP_CWORD-1}")"
          if [ "$c" = "@file" ]; then
            COMPREPLY=($(compgen -f -- "$cur"))
          else
            COMPREPLY=($(compgen -W "$c" -- "$cur"))
          fi
        }
        complete -F _queuectl queuectl

        """
    }

    static func zsh(_ commands: [any Command.Type]) -> String {
        """
        #compdef queuectl
        # zsh completion for queuectl, generated by `queuectl completion zsh`.
        # Install it as _queuectl in a directory of $fpath, or: source <(queuectl completion zsh)
        # (after compinit).

        \(core(commands))
        _queuectl() {
          local c
          local -a cands
          c="$(_queuectl_candidates "${words[CURRENT]}" "${(@)words[2,CURRENT-1]}")"
          if [[ "$c" == "@file" ]]; then
            _files
          else
            cands=(${(f)c})
            compadd -a cands
          fi
        }

        if [[ "${funcstack[1]}" == "_queuectl" ]]; then
          _queuectl "$@"
        else
          compdef _queuectl queuectl
        fi

        """
    }
}
