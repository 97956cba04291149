def run_article(args):
    return 0
