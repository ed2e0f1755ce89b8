from gitops_scaffold.cli import main

main()
