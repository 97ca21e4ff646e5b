"""Change annotation tool: synchronized t1 | t2 view, mask editing and AI pre-annotation.

    python tools/annotate.py DATA_ROOT [--config CFG --checkpoint CKPT] [--port 5000] [--host 127.0.0.1]

DATA_ROOT holds A/ (t1), B/ (t2) and optionally label/. Masks are saved as label/<name>.png (0/255)
with earlier versions kept in label/.history/; pair labels go to DATA_ROOT/image_labels.json.
Open the printed address in a browser (see docs/annotation.md for the shortcuts).
"""
import argparse
import ipaddress
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='folder with A/, B/ and optionally label/')
    parser.add_argument('--config', help='config of a cdkd change detector for AI pre-annotation')
    parser.add_argument('--checkpoint', help='its checkpoint (.pth file or work dir)')
    parser.add_argument('--device', default='cpu', help='device of the pre-annotation model')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (default: this machine only; the tool has no '
                             'authentication, so expose it to a network only if you trust it)')
    parser.add_argument('--port', type=int, default=5000)
    args = parser.parse_args(argv)
    if (args.config is None) != (args.checkpoint is None):
        parser.error('--config and --checkpoint go together')
    return args


def main(argv=None):
    args = parse_args(argv)
    from cdkd.annotation import PreAnnotator, create_app
    preannotator = None
    if args.config:
        print(f'loading the pre-annotation model {args.config} ({args.checkpoint})', flush=True)
        preannotator = PreAnnotator(args.config, args.checkpoint, device=args.device)
    app = create_app(args.data_root, preannotator=preannotator)
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == 'localhost'
    if not loopback:
        print(f'warning: listening on {args.host}: anyone who can reach it can read the images '
              'and write masks', file=sys.stderr)
    print(f'annotating {args.data_root}: open http://{args.host}:{args.port}/', flush=True)
    app.run(host=args.host, port=args.port, threaded=True)


if __name__ == '__main__':
    main()
