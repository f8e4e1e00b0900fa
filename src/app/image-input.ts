/**
 * One image → the tensor for one model input, under a resolved PreprocessSpec, with the record of
 * what was done for the report. Shared by compare and bench, so both preprocess identically.
 */
import { loadImageTensor } from '../image/image-tensor.js';
import { imageInputSpec } from '../image/model-input.js';
import type { PreprocessSpec } from '../image/preprocess-spec.js';
import type { PreprocessRecord } from '../report/model/compare.js';
import type { Tensor, TensorInfo } from '../tensor/types.js';

export async function loadImageForModel(path: string, input: TensorInfo, spec: PreprocessSpec): Promise<{ tensor: Tensor; preprocess: PreprocessRecord }> {
  const modelSpec = imageInputSpec(input);
  const inputSpec = spec.layout ? { ...modelSpec, layout: spec.layout } : modelSpec;
  const { tensor, image, notes } = await loadImageTensor(path, inputSpec, spec);
  return {
    tensor,
    preprocess: {
      input: input.name,
      layout: inputSpec.layout,
      dtype: inputSpec.dtype,
      size: inputSpec.size === null ? 'image size (dynamic model H/W)' : `${inputSpec.size.height}x${inputSpec.size.width}`,
      resize: inputSpec.size === null ? null : spec.resizeMode,
      pipeline: spec.pipeline,
      mean: [...spec.mean],
      std: [...spec.std],
      scale: spec.scale === 'div255' ? '1/255 (division)' : spec.scale,
      channelOrder: spec.channelOrder,
      example: { key: path, sourceSize: `${image.sourceWidth}x${image.sourceHeight}`, format: image.format },
      ...(notes.length > 0 ? { notes } : {}),
    },
  };
}
