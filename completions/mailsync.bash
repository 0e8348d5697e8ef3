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
    # Commands with subcommands (state, migrate, oauth2) take one next.
    local subcommands sub="" j
    subcommands="$(mailsync __complete commands "$command" 2>/dev/null | cut -f1)"
    if [[ -n "$subcommands" ]]; then
        for ((j = i + 1; j < COMP_CWORD; j++)); do
            if [[ "${COMP_WORDS[j]}" != -* ]]; then
                sub="${COMP_WORDS[j]}"
                break
            fi
        done
        if [[ -z "$sub" && "$cur" != -* && "$prev" != -* ]]; then
            COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))
            return
        fi
    fi
    case "$prev" in
    --select | --replace)
        # The resources of the paths already given, or of the current folder. One per line,
        # kept whole: a name may hold spaces (-o filenames quotes them on the command line).
        local paths=() resource typed="${cur//\\/}"
        typed="${typed#[\"\']}" # what was typed after an opening quote
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
        COMPREPLY=($(compgen -W "$(mailsync __complete flags "$command" $sub 2>/dev/null | cut -f1)" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
    if [[ "$command $sub" == "oauth2 authorize" ]]; then
        local resource typed="${cur//\\/}"
        typed="${typed#[\"\']}"
        while IFS= read -r resource; do
            [[ "$resource" == OAuth2Client/* && "$resource" == "$typed"* ]] && COMPREPLY+=("$resource")
        done < <(mailsync __complete resources 2>/dev/null)
    fi
}
complete -o filenames -F _mailsync mailsync
