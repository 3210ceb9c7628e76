# bash's rc file for driver.pexpect, at the place pexpect keeps its own:
# projects start `bash --rcfile <directory of pexpect.__file__>/bashrc.sh`
# (argcomplete's tests do) and expect what pexpect's file does: the usual
# rc files read, then a prompt and a line editor a script can match.

# The system's rc file (its name differs between platforms), then the user's.
for rc in /etc/bashrc /etc/bash.bashrc ~/.bashrc; do
    if [[ -f $rc ]]; then
        source "$rc"
    fi
done
unset rc

# A plain `$` prompt that nothing redraws or changes after each command.
PS1='$'
unset PROMPT_COMMAND

# No bracketed-paste escapes around the prompt (bash 5.1 and later turn
# them on); a script would otherwise see them in what it matches.
bind 'set enable-bracketed-paste off'
