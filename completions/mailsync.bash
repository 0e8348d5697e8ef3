# bash completion for mailsync: commands, flags, flag values and KIND/NAME for --select.
# Everything offered comes from `mailsync __complete ...`, so it follows the installed binary.
_mailsync() {
    local cur prev command word i
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    command=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${COMP_WORDS[i]}"
        if [[ "$word" != -* ]]; then
            command="$word"
            break
        fi
    done
    if [[ -z "$command" ]]; then
        local commands
        commands="$(mailsync __complete commands 2>/dev/null | cut -f1)"
        COMPREPLY=($(compgen -W "$commands --help --version --no-color" -- "$cur"))
        return
    fi
    case "$prev" in
    --select | --replace)
        # The resources of the paths already given, or of the current folder. One per line,
        # kept whole: a name may hold spaces (-o filenames quotes them on the command line).
        local paths=() resource typed="${cur//\\/}"
        for ((i = i + 1; i < COMP_CWORD; i++)); do
            word="${COMP_WORDS[i]}"
            [[ "$word" == -* || "${COMP_WORDS[i-1]}" == --* ]] || paths+=("$word")
        done
        COMPREPLY=()
        while IFS= read -r resource; do
            [[ "$resource" == "$typed"* ]] && COMPREPLY+=("$resource")
        done < <(mailsync __complete resources "${paths[@]}" 2>/dev/null)
        return
        ;;
    --format | --mapping)
        local values
        values="$(mailsync __complete values "$command" "$prev" 2>/dev/null)"
        COMPREPLY=($(compgen -W "$values" -- "$cur"))
        [[ "$prev" == --mapping ]] && COMPREPLY+=($(compgen -f -X '!*.y*ml' -- "$cur"))
        return
        ;;
    --target)
        COMPREPLY=($(compgen -W "sqlite: https://" -- "$cur"))
        compopt -o nospace 2>/dev/null
        return
        ;;
    --out | --state | --target-ca-file)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(mailsync __complete flags "$command" 2>/dev/null | cut -f1)" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _mailsync mailsync
