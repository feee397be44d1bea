% stoi-reference.m: prints, as Go map entries, the STOI of every pair that
% nseval's TestSTOIMatchesReference wrote (STOI_VECTORS_DIR), computed by
% the reference stoi.m found on Octave's path (Taal's code, e.g. the copy
% in pystoi's tests/octave). Run by `make stoi-reference`.
%   octave --no-gui --quiet --eval "pkg load signal; addpath('PYSTOI/tests/octave'); dir='DIR'; run('scripts/stoi-reference.m')"
fid = fopen(fullfile(dir, 'list.txt'));
entries = textscan(fid, '%s %d %s');
fclose(fid);
for i = 1:numel(entries{1})
  id = entries{1}{i};
  fs = double(entries{2}(i));
  f = fopen(fullfile(dir, [id 'x.f64'])); x = fread(f, Inf, 'float64', 0, 'ieee-le'); fclose(f);
  f = fopen(fullfile(dir, [id 'y.f64'])); y = fread(f, Inf, 'float64', 0, 'ieee-le'); fclose(f);
  printf('\t"%s": %.6f,\n', entries{3}{i}, stoi(x, y, fs));
end
