import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {FlagTable} from '../../src/commands/options';
import {reproduceCommand} from '../../src/commands/reproduce_command';

interface Values {
  out: string;
  backend: string;
}

describe('reproduceCommand: what every reproduce command shares', () => {
  const flags: FlagTable<Values> = [
    {flags: '--out <dir>', key: 'out', default: 'out/recipe', description: 'run folder'},
    {flags: '--backend <name>', key: 'backend', description: 'the tensor backend'},
  ];

  it("runs the body in --out's default folder with its command line, then names the files written", async () => {
    const seen: {out: string; command: string}[] = [];
    const command = reproduceCommand<Values>({
      name: 'recipe', summary: '', description: '', flags, files: ['a.png', 'b.json'],
      run: async (_values, {out, command: line, io}) => {
        seen.push({out, command: line});
        io.out('measured');
      },
    });
    const lines: string[] = [];
    // The backend in use, so that the test leaves it as it was.
    const backend = tf.getBackend();
    const status = await command.run([], {backend}, {io: {out: (l) => lines.push(l), err: assert.fail}, usage: assert.fail});
    assert.equal(status, 0);
    assert.deepEqual(seen, [{out: 'out/recipe', command: `sparseland reproduce recipe --backend ${backend}`}]);
    assert.deepEqual(lines, ['measured', 'wrote out/recipe/a.png, out/recipe/b.json']);
  });

  it("reports the body's error under the command's name with status 1", async () => {
    const command = reproduceCommand<Values>({
      name: 'recipe', summary: '', description: '', flags, files: [],
      run: async () => {
        throw new Error('no digits');
      },
    });
    const errors: string[] = [];
    const status = await command.run([], {out: 'x', backend: tf.getBackend()},
                                     {io: {out: assert.fail, err: (l) => errors.push(l)}, usage: assert.fail});
    assert.equal(status, 1);
    assert.deepEqual(errors, ['sparseland reproduce recipe: no digits']);
  });

  it('needs an --out flag with a default', () => {
    assert.throws(() => reproduceCommand<Values>({name: 'recipe', summary: '', description: '', files: [],
                                                  flags: [flags[1]] as FlagTable<Values>, run: async () => undefined}),
                  /reproduce recipe: its flags need '--out' with a default/);
  });
});
