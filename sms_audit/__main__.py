from sms_audit.cli import main

main()
